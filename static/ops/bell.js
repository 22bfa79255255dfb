/* The header's notification bell across tabs (issue #23), as the header timer does it
 * (static/timesheets/timesheets.js):
 * - A page whose bell shows another unread count than the last one this browser saw (a
 *   notification arrived, one was marked read) tells the other tabs of the same user
 *   (BroadcastChannel, else the storage event); they fetch their bell again from the server
 *   (data-bell-url) instead of reloading the page.
 * - A tab asks the server again when it comes back into view and once a minute while it is
 *   visible, so a notification that arrives while nobody navigates still shows; what it
 *   finds it tells the other tabs the same way.
 * Without JavaScript the bell is a plain link whose count is right as of the page's load. */
(function () {
  "use strict";
  if (window.etimeBell) { return; }
  window.etimeBell = true;

  var KEY = "etime.bell-unread";
  var POLL_MS = 60 * 1000;
  var channel = null;

  function bell() { return document.querySelector(".ops-bell[data-bell-url]"); }
  function user() { return document.body.getAttribute("data-etime-user") || ""; }
  function stateOf(el) { return user() + "|" + (el.getAttribute("data-unread") || "0"); }

  function announce() {
    var el = bell();
    if (!el) { return; }
    var value = stateOf(el);
    var seen = null;
    try { seen = window.localStorage.getItem(KEY); } catch (e) { /* storage off: tabs stay independent */ }
    if (seen === value) { return; }
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* ignore */ }
    if (channel) { channel.postMessage(value); }
  }

  var fetching = false;
  function refresh(then) {
    var el = bell();
    if (!el || fetching) { return; }
    fetching = true;
    fetch(el.getAttribute("data-bell-url"), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        fetching = false;
        if (!html) { return; }
        var holder = document.createElement("template");
        holder.innerHTML = html;
        var fresh = holder.content.querySelector(".ops-bell");
        var current = bell();
        if (!fresh || !current) { return; }
        if (fresh.getAttribute("data-unread") !== current.getAttribute("data-unread")) { current.replaceWith(fresh); }
        if (then) { then(); }
      })
      .catch(function () { fetching = false; /* offline: the bell catches up on the next page */ });
  }

  function told(value) {
    var el = bell();
    if (!el || !value || value === stateOf(el)) { return; }
    if (value.split("|")[0] !== user()) { return; }  /* another login in this browser */
    refresh(null);
  }

  function init() {
    if (!bell()) { return; }
    if (typeof window.BroadcastChannel === "function") {
      channel = new window.BroadcastChannel("etime-bell");
      channel.onmessage = function (event) { told(String(event.data || "")); };
    } else {
      window.addEventListener("storage", function (event) {
        if (event.key === KEY) { told(event.newValue || ""); }
      });
    }
    announce();
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { refresh(announce); }
    });
    setInterval(function () {
      if (document.visibilityState === "visible") { refresh(announce); }
    }, POLL_MS);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
