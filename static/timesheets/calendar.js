/* The calendar of my entries and clock punches (templates/timesheets/calendar.html) on the
   vendored FullCalendar 6 standard bundle.

   Times on the wire are wall-clock times in the person's zone without an offset; the
   calendar runs with timeZone "UTC" so the browser's own zone never shifts them, and what
   it sends back ("…Z") is read by the server as that same wall clock.
   - Drag across free time: a dialog asks for project, task and description, then POSTs
     to data-create.
   - Drag an entry (move) or its lower edge (resize): POSTs start and end to
     data-update + id + "/".
   - A 409 time_entry_overlap / overlap_needs_choice opens the overlap dialog with the
     conflicts and only the resolutions the server offers; choosing one re-sends the same
     change with "resolution", Cancel puts the entry back. Other refusals put it back and
     say why in the status line. All text comes from the page (translated there). */
(function () {
  "use strict";

  function init() {
    var el = document.querySelector("[data-calendar]");
    if (!el || !window.FullCalendar) { return; }
    var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
    var status = document.getElementById("calendar-status");
    var newDialog = document.getElementById("calendar-new");
    var newForm = newDialog.querySelector("form");
    var overlap = document.getElementById("calendar-overlap");
    var pendingOverlap = null;
    var pendingNew = null;

    function say(text) { status.textContent = text; }

    function post(url, fields) {
      var body = new URLSearchParams();
      Object.keys(fields).forEach(function (key) {
        if (fields[key] !== undefined && fields[key] !== null) { body.append(key, fields[key]); }
      });
      return fetch(url, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      });
    }

    function wall(date) { return date.toISOString().slice(0, 19); }

    function hhmm(text) { return text ? text.slice(11, 16) : ""; }

    function showOverlap(data, retry, cancel) {
      var list = overlap.querySelector("[data-overlap-list]");
      list.textContent = "";
      var differs = false;
      (data.conflicts || []).forEach(function (conflict) {
        var item = document.createElement("li");
        item.setAttribute("data-testid", "overlap-conflict");
        var text = conflict.start.slice(0, 10) + " " + hhmm(conflict.start) + "–" + hhmm(conflict.end) + " " + conflict.title;
        if (conflict.differs && conflict.differs.length) {
          differs = true;
          text += " (" + conflict.differs.join(", ") + ")";
        }
        if (conflict.locked) { text += " (" + list.getAttribute("data-locked-label") + ")"; }
        item.textContent = text;
        list.appendChild(item);
      });
      overlap.querySelector("[data-overlap-differs]").hidden = !differs;
      var offered = data.resolutions || [];
      overlap.querySelectorAll("[data-resolution]").forEach(function (button) {
        button.hidden = offered.indexOf(button.getAttribute("data-resolution")) === -1;
      });
      overlap.querySelectorAll("[data-explains]").forEach(function (line) {
        line.hidden = offered.indexOf(line.getAttribute("data-explains")) === -1;
      });
      pendingOverlap = { retry: retry, cancel: cancel };
      overlap.showModal();
    }

    function answered(result, retry, cancel) {
      if (result.status === 200 || result.status === 201) {
        say(el.getAttribute("data-msg-saved"));
        calendar.refetchEvents();
        return true;
      }
      if (result.status === 409 && result.data.conflicts) {
        showOverlap(result.data, retry, cancel);
        return false;
      }
      cancel();
      say(el.getAttribute("data-msg-failed") + " " + (result.data.message || result.status));
      return false;
    }

    function saveChange(info, resolution) {
      var url = el.getAttribute("data-update") + info.event.id + "/";
      post(url, { start: wall(info.event.start), end: wall(info.event.end), resolution: resolution }).then(function (result) {
        answered(result, function (choice) { saveChange(info, choice); }, function () { info.revert(); });
      });
    }

    function saveNew(fields, resolution) {
      fields.resolution = resolution;
      return post(el.getAttribute("data-create"), fields).then(function (result) {
        if (result.status === 400) {
          var error = newForm.querySelector("[data-new-error]");
          error.textContent = result.data.message || "";
          error.hidden = false;
          if (!newDialog.open) { newDialog.showModal(); }
          return;
        }
        if (newDialog.open) { newDialog.close(); }
        answered(result, function (choice) { saveNew(fields, choice); }, function () { say(el.getAttribute("data-msg-cancelled")); });
      });
    }

    var phone = window.matchMedia("(max-width: 640px)").matches;
    var calendar = new window.FullCalendar.Calendar(el, {
      timeZone: "UTC",
      locale: el.getAttribute("data-locale") || "en",
      firstDay: parseInt(el.getAttribute("data-first-day"), 10) || 0,
      now: el.getAttribute("data-now"),
      initialDate: el.getAttribute("data-initial-date"),
      initialView: phone ? "timeGridDay" : "timeGridWeek",
      headerToolbar: { left: "prev,next today", center: "title", right: "timeGridWeek,timeGridDay" },
      buttonText: {
        today: el.getAttribute("data-label-today"), week: el.getAttribute("data-label-week"),
        day: el.getAttribute("data-label-day")
      },
      // Hints (the buttons' titles) in the page's language, not FullCalendar's English.
      buttonHints: {
        prev: el.getAttribute("data-hint-prev"), next: el.getAttribute("data-hint-next"),
        today: el.getAttribute("data-label-today")
      },
      viewHint: function (buttonText) { return buttonText; },
      // The prev/next icons are role="img" without a name inside buttons that have one
      // (their title): hide the icons from assistive technology (axe: role-img-alt).
      datesSet: function () {
        el.querySelectorAll(".fc-icon").forEach(function (icon) {
          icon.removeAttribute("role");
          icon.setAttribute("aria-hidden", "true");
        });
      },
      height: "auto",
      allDaySlot: false,
      slotDuration: "00:30:00",
      snapDuration: "00:15:00",
      slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      nowIndicator: true,
      selectable: true,
      selectMirror: true,
      editable: true,
      eventDurationEditable: true,
      longPressDelay: 300,
      events: { url: el.getAttribute("data-feed"), failure: function () { say(el.getAttribute("data-msg-failed")); } },
      select: function (info) {
        pendingNew = { start: wall(info.start), end: wall(info.end) };
        newForm.querySelector("[data-new-range]").textContent =
          pendingNew.start.slice(0, 10) + " " + hhmm(pendingNew.start) + "–" + hhmm(pendingNew.end);
        var error = newForm.querySelector("[data-new-error]");
        error.hidden = true;
        newDialog.showModal();
        newForm.querySelector("[data-grid-project]").focus();
      },
      eventDrop: function (info) { saveChange(info, null); },
      eventResize: function (info) { saveChange(info, null); },
      eventDidMount: function (info) {
        info.el.setAttribute("data-testid", info.event.extendedProps.kind === "punch" ? "calendar-punch" : "calendar-entry");
        info.el.setAttribute("data-entry", info.event.id);
      }
    });
    calendar.render();

    newForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!pendingNew) { return; }
      var data = new FormData(newForm);
      saveNew({
        start: pendingNew.start, end: pendingNew.end, project: data.get("project"), task: data.get("task"),
        description: data.get("description")
      }, null);
    });
    newDialog.querySelector("[data-dialog-cancel]").addEventListener("click", function () {
      newDialog.close();
      calendar.unselect();
      pendingNew = null;
    });
    overlap.querySelectorAll("[data-resolution]").forEach(function (button) {
      button.addEventListener("click", function () {
        var pending = pendingOverlap;
        pendingOverlap = null;
        overlap.close();
        if (pending) { pending.retry(button.getAttribute("data-resolution")); }
      });
    });
    function cancelOverlap() {
      var pending = pendingOverlap;
      pendingOverlap = null;
      if (overlap.open) { overlap.close(); }
      if (pending) { pending.cancel(); }
    }
    overlap.querySelector("[data-overlap-cancel]").addEventListener("click", cancelOverlap);
    overlap.addEventListener("cancel", function (event) { event.preventDefault(); cancelOverlap(); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
