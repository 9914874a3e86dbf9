// The print page: open the print dialogue after "Print" marked the labels, and offer "Print again".
document.addEventListener('DOMContentLoaded', function () {
  var again = document.querySelector('[data-print]');
  if (again) {
    again.hidden = false;
    again.addEventListener('click', function () { window.print(); });
  }
  if (document.getElementById('autoprint')) {
    window.setTimeout(function () { window.print(); }, 300);
  }
});
