/* The leave form (templates/leave/my_leave.html): a one-day request offers full day, morning
   or afternoon; a longer one the two "at midday" checkboxes. A start date with no end date
   (or an end before it) makes a one-day request. Runs in the capture phase, before htmx
   sends the form for its live preview, so the preview sees the adjusted end date. */
(function () {
  "use strict";
  function setup() {
    var form = document.querySelector("[data-testid=leave-form]");
    if (!form) return;
    var start = form.elements.start_date;
    var end = form.elements.end_date;
    function sync() {
      var oneDay = !end.value || start.value === end.value;
      form.querySelectorAll("[data-leave-part]").forEach(function (el) {
        el.hidden = (el.dataset.leavePart === "single") !== oneDay;
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target === start && start.value && (!end.value || end.value < start.value)) end.value = start.value;
      sync();
    }, true);
    sync();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
