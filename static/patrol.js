/* Night patrol: after a checkpoint scan, send the phone's clock and (HTTPS only, if the guard allows it) its
   location as evidence of presence. On a route's stop page, "use this spot" fills the location fields. */
(function () {
  'use strict';
  var secure = location.protocol === 'https:' && 'geolocation' in navigator;
  function token(root) {
    var input = (root || document).querySelector('input[name=csrf_token]');
    return input ? input.value : '';
  }
  function post(url, fields, csrf) {
    var body = new FormData();
    body.append('csrf_token', csrf);
    for (var key in fields) { body.append(key, fields[key]); }
    return fetch(url, {method: 'POST', body: body, credentials: 'same-origin'}).catch(function () {});
  }
  var panel = document.querySelector('[data-patrol-evidence]');
  if (panel) {
    // Only the page view that made the scan carries its evidence token; a reload or a re-scan sends nothing.
    var url = panel.getAttribute('data-patrol-evidence'), csrf = token(panel);
    var scanToken = panel.getAttribute('data-evidence-token');
    post(url, {client_time: new Date().toISOString(), token: scanToken}, csrf);
    if (secure) {
      navigator.geolocation.getCurrentPosition(function (pos) {
        post(url, {latitude: pos.coords.latitude, longitude: pos.coords.longitude,
                   accuracy: pos.coords.accuracy, token: scanToken}, csrf);
      }, function () {}, {enableHighAccuracy: true, timeout: 20000, maximumAge: 0});
    }
  }
  var fill = document.querySelector('[data-fill-location]');
  if (fill && secure) {
    fill.hidden = false;
    fill.addEventListener('click', function () {
      var form = fill.form, status = document.getElementById('location-status');
      fill.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.latitude.value = pos.coords.latitude.toFixed(6);
        form.elements.longitude.value = pos.coords.longitude.toFixed(6);
        form.elements.location_accuracy.value = Math.round(pos.coords.accuracy);
        fill.disabled = false;
      }, function (err) {
        if (status) { status.hidden = false; status.textContent = err.message; }
        fill.disabled = false;
      }, {enableHighAccuracy: true, timeout: 30000, maximumAge: 0});
    });
  }
})();
