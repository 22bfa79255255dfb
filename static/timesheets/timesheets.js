/* Progressive enhancement for the time-tracking pages; everything works without it.
   - [data-timer-start]: a running timer's elapsed h:mm (h:mm:ss with
     data-timer-seconds), kept ticking. It counts on from the server's data-timer-elapsed
     (seconds when the page was made), so a browser clock that is off does not show.
   - The header timer across tabs: a page whose header shows another timer state than the
     last one this browser saw tells the other tabs (BroadcastChannel, else the storage
     event); they fetch their header again from the server (data-header-url).
   - [data-project-picker] + [data-task-picker]: offer only the chosen project's tasks.
   - form[data-confirm]: ask before deleting. */
(function () {
  "use strict";
  if (window.etimeTimesheets) { return; }  /* the header and a page may both load this file */
  window.etimeTimesheets = true;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  var loadedAt = Date.now();

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-timer-start]").forEach(function (el) {
      var seconds;
      var base = parseInt(el.getAttribute("data-timer-elapsed"), 10);
      if (!isNaN(base)) {
        var since = parseInt(el.getAttribute("data-timer-since") || "0", 10) || loadedAt;
        if (!el.hasAttribute("data-timer-since")) { el.setAttribute("data-timer-since", String(since)); }
        seconds = base + Math.floor((now - since) / 1000);
      } else {
        var start = Date.parse(el.getAttribute("data-timer-start"));
        if (isNaN(start)) { return; }
        seconds = Math.floor((now - start) / 1000);
      }
      seconds = Math.max(0, seconds);
      var minutes = Math.floor(seconds / 60);
      var text = Math.floor(minutes / 60) + ":" + pad(minutes % 60);
      el.textContent = el.hasAttribute("data-timer-seconds") ? text + ":" + pad(seconds % 60) : text;
    });
  }

  /* --- the header timer across tabs --- */
  var STATE_KEY = "etime.timer-state";
  var channel = null;

  function header() { return document.querySelector(".ts-header-timer[data-header-url]"); }

  function stateOf(el) {
    return (document.body.getAttribute("data-etime-user") || "") + "|" + (el.getAttribute("data-timer-state") || "");
  }

  function announce() {
    var el = header();
    if (!el) { return; }
    var value = stateOf(el);
    var seen = null;
    try { seen = window.localStorage.getItem(STATE_KEY); } catch (e) { /* storage off: tabs stay independent */ }
    if (seen === value) { return; }
    try { window.localStorage.setItem(STATE_KEY, value); } catch (e) { /* ignore */ }
    if (channel) { channel.postMessage(value); }
  }

  function refresh(value) {
    var el = header();
    if (!el || !value || value === stateOf(el)) { return; }
    if (value.split("|")[0] !== (document.body.getAttribute("data-etime-user") || "")) { return; }
    var url = el.getAttribute("data-header-url") + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html) { return; }
        var holder = document.createElement("template");
        holder.innerHTML = html;
        var fresh = holder.content.querySelector(".ts-header-timer");
        var current = header();
        if (fresh && current) {
          current.replaceWith(fresh);
          loadedAt = Date.now();
          tick();
        }
      })
      .catch(function () { /* offline: the header catches up on the next page */ });
  }

  function watchOtherTabs() {
    if (typeof window.BroadcastChannel === "function") {
      channel = new window.BroadcastChannel("etime-timer");
      channel.onmessage = function (event) { refresh(String(event.data || "")); };
    } else {
      window.addEventListener("storage", function (event) {
        if (event.key === STATE_KEY) { refresh(event.newValue || ""); }
      });
    }
    announce();
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
    watchOtherTabs();
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
