/* Progressive enhancement for the time-tracking pages; everything works without it.
   - [data-timer-start]: a running timer's elapsed h:mm (h:mm:ss with
     data-timer-seconds), kept ticking.
   - [data-project-picker] + [data-task-picker]: offer only the chosen project's tasks.
   - form[data-confirm]: ask before deleting. */
(function () {
  "use strict";
  if (window.etimeTimesheets) { return; }  /* the header and a page may both load this file */
  window.etimeTimesheets = true;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-timer-start]").forEach(function (el) {
      var start = Date.parse(el.getAttribute("data-timer-start"));
      if (isNaN(start)) { return; }
      var seconds = Math.max(0, Math.floor((now - start) / 1000));
      var minutes = Math.floor(seconds / 60);
      var text = Math.floor(minutes / 60) + ":" + pad(minutes % 60);
      el.textContent = el.hasAttribute("data-timer-seconds") ? text + ":" + pad(seconds % 60) : text;
    });
  }

  function linkPickers(form) {
    var project = form.querySelector("[data-project-picker]");
    var task = form.querySelector("[data-task-picker]");
    if (!project || !task) { return; }
    function filter() {
      var chosen = project.value;
      Array.prototype.forEach.call(task.options, function (option) {
        var owner = option.getAttribute("data-project");
        var fits = !owner || !chosen || owner === chosen;
        option.hidden = !fits;
        option.disabled = !fits;
        if (!fits && option.selected) { task.value = ""; }
      });
    }
    project.addEventListener("change", filter);
    filter();
  }

  function init() {
    tick();
    setInterval(tick, 1000);
    document.querySelectorAll("form").forEach(linkPickers);
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
