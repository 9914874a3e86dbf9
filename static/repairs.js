// Live status on 我的报修 and the follow page: ask the server every 20 s and update the badges in place.
(function () {
  'use strict';
  var box = document.querySelector('[data-live-url]');
  if (!box || !window.fetch) return;
  var url = box.getAttribute('data-live-url');
  function update(orders) {
    Object.keys(orders).forEach(function (id) {
      var o = orders[id];
      var badge = document.querySelector('[data-order-status="' + id + '"]');
      if (badge && badge.textContent !== o.label) {
        badge.textContent = o.label;
        badge.className = 'badge st-' + o.status + ' changed';
      }
      var late = document.querySelector('[data-order-overdue="' + id + '"]');
      if (late) late.hidden = !o.overdue;
    });
  }
  function poll() {
    if (document.hidden) return;
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) update(data); })
      .catch(function () {});
  }
  setInterval(poll, 20000);
  document.addEventListener('visibilitychange', poll);
})();
