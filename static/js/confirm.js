/* Asks before a form with data-confirm="<question>" is sent (instead of an inline onsubmit,
   which the Content-Security-Policy forbids). Cancel leaves the page as it was. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
