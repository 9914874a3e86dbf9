// The scan page works without this file. With it: photos shrink on the phone before upload,
// the phone's clock goes along with each submission, and a second tap does not send twice.
(function () {
  'use strict';
  var MAX = 1600;

  function shrink(input) {
    var file = input.files && input.files[0];
    if (!file || !/^image\//.test(file.type) || !window.URL || !window.DataTransfer || !HTMLCanvasElement.prototype.toBlob) return;
    var url = URL.createObjectURL(file), img = new Image();
    img.onload = function () {
      var scale = Math.min(1, MAX / Math.max(img.naturalWidth, img.naturalHeight));
      if (scale === 1 && file.size < 1500000) { URL.revokeObjectURL(url); return; }
      var canvas = document.createElement('canvas');
      canvas.width = Math.round(img.naturalWidth * scale);
      canvas.height = Math.round(img.naturalHeight * scale);
      canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(url);
      canvas.toBlob(function (blob) {
        if (!blob || blob.size >= file.size) return;
        var transfer = new DataTransfer();
        transfer.items.add(new File([blob], file.name.replace(/\.\w+$/, '') + '.jpg', {type: 'image/jpeg'}));
        input.files = transfer.files;
      }, 'image/jpeg', 0.82);
    };
    img.onerror = function () { URL.revokeObjectURL(url); };
    img.src = url;
  }

  document.addEventListener('change', function (event) {
    if (event.target.matches && event.target.matches('input[type=file]')) shrink(event.target);
  });

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.getAttribute('data-sent')) { event.preventDefault(); return; }
    form.setAttribute('data-sent', '1');
    var clock = form.querySelector('input[name=client_time]');
    if (clock) clock.value = new Date().toISOString();
    var buttons = form.querySelectorAll('button');
    function enable(on) { for (var i = 0; i < buttons.length; i++) buttons[i].disabled = !on; }
    setTimeout(function () { enable(false); }, 0);
    // On a weak signal the first send may die; let the person retry (the form's id makes it count once).
    setTimeout(function () { form.removeAttribute('data-sent'); enable(true); }, 15000);
  });
})();

// The anonymous receipt: copy or share the follow link, where the browser can.
(function () {
  'use strict';
  var copy = document.querySelector('[data-copy]'), share = document.querySelector('[data-share]');
  function copied() { copy.textContent = copy.getAttribute('data-done'); }
  function copyBySelection() {  // plain http: no clipboard API, but a selection can still be copied
    var shown = document.querySelector('.follow-link code'), range = document.createRange();
    range.selectNodeContents(shown);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    try { if (document.execCommand('copy')) copied(); } catch (e) { /* the link stays selected */ }
  }
  if (copy) {
    copy.hidden = false;
    copy.addEventListener('click', function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(copy.getAttribute('data-copy')).then(copied, copyBySelection);
      } else {
        copyBySelection();
      }
    });
  }
  if (share && navigator.share) {
    share.hidden = false;
    share.addEventListener('click', function () {
      navigator.share({title: share.getAttribute('data-title'), url: share.getAttribute('data-share')})
        .catch(function () {});
    });
  }
})();
