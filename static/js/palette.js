/* Keyboard shortcuts and the command palette (templates/palette/_palette.html).
   Ctrl/⌘-K opens the palette: it asks /palette/search/?q= (each app's registered source,
   etime.core.registry.register_palette_source) and runs the chosen item: "url" goes there,
   "timer_start" posts to the timer API (the same service as the timer page). "?" lists the
   shortcuts; "g" then h/w/l/i goes home, to my week, to leave, to the inbox. A static file:
   the Content-Security-Policy forbids inline scripts. Both dialogs are modal <dialog>s: the
   rest of the page is inert, Tab cycles inside, Esc closes, focus returns where it was. */
(function () {
  "use strict";
  var palette, input, list, status, shortcuts, targets;
  var items = [], active = -1, timer = null, seq = 0, lastFocus = null, pendingG = false;

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function open(dialog) {
    if (dialog.open) return;
    if (palette.open) palette.close();
    if (shortcuts.open) shortcuts.close();
    lastFocus = document.activeElement;
    dialog.showModal();
  }

  function trapTab(dialog, event) {
    var focusable = Array.prototype.filter.call(
      dialog.querySelectorAll("a[href], button:not([disabled]), input, textarea, select, [tabindex]:not([tabindex='-1'])"),
      function (el) { return !el.hidden && el.offsetParent !== null; }
    );
    if (!focusable.length) return;
    var first = focusable[0], last = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  }

  function render() {
    list.textContent = "";
    var group = null;
    items.forEach(function (item, index) {
      if (item.group !== group) {
        group = item.group;
        var head = document.createElement("li");
        head.setAttribute("role", "presentation");
        head.className = "palette-group";
        head.textContent = group;
        list.appendChild(head);
      }
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = "palette-option-" + index;
      li.dataset.index = String(index);
      li.setAttribute("aria-selected", index === active ? "true" : "false");
      li.textContent = item.label;
      li.addEventListener("mousedown", function (event) { event.preventDefault(); });
      li.addEventListener("click", function () { run(index); });
      list.appendChild(li);
    });
    if (active >= 0) input.setAttribute("aria-activedescendant", "palette-option-" + active);
    else input.removeAttribute("aria-activedescendant");
    status.textContent = items.length ? "" : palette.dataset.textEmpty;
  }

  function search() {
    var mine = ++seq;
    var url = palette.dataset.searchUrl + "?q=" + encodeURIComponent(input.value.trim());
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) {
        if (mine !== seq) return;  // an older answer arriving late
        items = data.items || [];
        active = items.length ? 0 : -1;
        render();
      })
      .catch(function () { status.textContent = palette.dataset.textFailed; });
  }

  function run(index) {
    var item = items[index];
    if (!item) return;
    if (item.url) { window.location.assign(item.url); return; }
    if (item.action === "timer_start") {
      fetch(palette.dataset.timerUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ project: item.data.project, task: item.data.task || null })
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) { return { ok: r.ok, body: body }; });
      }).then(function (result) {
        if (result.ok) {
          status.textContent = palette.dataset.textStarted;
          window.location.reload();  // the header timer shows the running entry
        } else {
          status.textContent = (result.body.error && result.body.error.message) || palette.dataset.textFailed;
        }
      }).catch(function () { status.textContent = palette.dataset.textFailed; });
    }
  }

  function move(step) {
    if (!items.length) return;
    active = (active + step + items.length) % items.length;
    render();
    var el = document.getElementById("palette-option-" + active);
    if (el && el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
  }

  function openPalette() {
    open(palette);
    input.value = "";
    items = []; active = -1;
    render();
    status.textContent = "";
    input.focus();
    search();
  }

  function setup() {
    palette = document.getElementById("palette");
    shortcuts = document.getElementById("shortcuts");
    targets = document.querySelector("[data-shortcut-targets]");
    if (!palette || !shortcuts || typeof palette.showModal !== "function") return;
    input = document.getElementById("palette-input");
    list = document.getElementById("palette-list");
    status = palette.querySelector("[data-testid=palette-status]");

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
      else if (event.key === "Enter") { event.preventDefault(); run(active); }
    });
    [palette, shortcuts].forEach(function (dialog) {
      dialog.addEventListener("keydown", function (event) { if (event.key === "Tab") trapTab(dialog, event); });
      dialog.addEventListener("close", function () {
        if (lastFocus && typeof lastFocus.focus === "function") lastFocus.focus();
      });
      // A click on the backdrop (outside the dialog's box) closes it too.
      dialog.addEventListener("click", function (event) { if (event.target === dialog) dialog.close(); });
    });
    document.querySelectorAll("[data-open-shortcuts]").forEach(function (el) {
      el.hidden = false;
      el.addEventListener("click", function (event) { event.preventDefault(); open(shortcuts); });
    });
    document.querySelectorAll("[data-open-palette]").forEach(function (el) {
      el.hidden = false;
      el.addEventListener("click", function (event) { event.preventDefault(); openPalette(); });
    });

    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "k" || event.key === "K")) {
        event.preventDefault();
        if (palette.open) palette.close(); else openPalette();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target) || palette.open || shortcuts.open) return;
      if (event.key === "?") { event.preventDefault(); open(shortcuts); return; }
      if (pendingG) {
        pendingG = false;
        var where = { h: "home", w: "week", l: "leave", i: "inbox" }[event.key];
        if (where && targets && targets.dataset[where]) { event.preventDefault(); window.location.assign(targets.dataset[where]); }
        return;
      }
      if (event.key === "g") { pendingG = true; setTimeout(function () { pendingG = false; }, 1500); }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
