/* My week's grid (templates/timesheets/_week_grid.html), progressive enhancement only: the
   grid is a plain form that works without this file.
   - Arrow keys move between duration cells (left/right once the caret is at the edge of
     the text or the text is selected), a focused cell selects its text so typing replaces
     it, Escape restores the value it had; Enter submits the form (the browser's own).
   - "Add a row" clones the last new row with fresh field names (newN_...).
   - Each project picker ([data-grid-project]) narrows the task picker beside it to its
     tasks (all tasks while no project is chosen). */
(function () {
  "use strict";

  function cellsByRow(form) {
    return Array.prototype.map.call(form.querySelectorAll("[data-grid-row]"), function (row) {
      return Array.prototype.slice.call(row.querySelectorAll("[data-grid-cell]"));
    });
  }

  function position(form, input) {
    var rows = cellsByRow(form);
    for (var r = 0; r < rows.length; r += 1) {
      var c = rows[r].indexOf(input);
      if (c !== -1) { return { rows: rows, row: r, col: c }; }
    }
    return null;
  }

  function move(form, input, dRow, dCol) {
    var at = position(form, input);
    if (!at) { return false; }
    var row = at.row + dRow;
    var col = at.col + dCol;
    if (col < 0 && row === at.row) { row -= 1; col = 6; }
    if (col > 6 && row === at.row) { row += 1; col = 0; }
    if (row < 0 || row >= at.rows.length) { return false; }
    var target = at.rows[row][Math.max(0, Math.min(col, at.rows[row].length - 1))];
    if (!target) { return false; }
    target.focus();
    return true;
  }

  function onKey(form, event) {
    var input = event.target;
    if (!input.hasAttribute || !input.hasAttribute("data-grid-cell")) { return; }
    var len = input.value.length;
    var all = input.selectionStart === 0 && input.selectionEnd === len;
    var moved = false;
    if (event.key === "ArrowUp") { moved = move(form, input, -1, 0); }
    else if (event.key === "ArrowDown") { moved = move(form, input, 1, 0); }
    else if (event.key === "ArrowLeft" && (all || (input.selectionStart === 0 && input.selectionEnd === 0))) {
      moved = move(form, input, 0, -1);
    } else if (event.key === "ArrowRight" && (all || (input.selectionStart === len && input.selectionEnd === len))) {
      moved = move(form, input, 0, 1);
    } else if (event.key === "Escape") {
      input.value = input.defaultValue;
      input.select();
      moved = true;
    }
    if (moved) { event.preventDefault(); }
  }

  function narrowTasks(project) {
    var holder = project.closest("tr, form");
    var task = holder && holder.querySelector("[data-grid-task]");
    if (!task) { return; }
    var chosen = project.value;
    Array.prototype.forEach.call(task.options, function (option) {
      var owner = option.getAttribute("data-project");
      var fits = !owner || !chosen || owner === chosen;
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) { task.value = ""; }
    });
  }

  function addRow(form) {
    var rows = form.querySelectorAll("[data-grid-new-row]");
    var last = rows[rows.length - 1];
    if (!last) { return; }
    var index = 0;
    Array.prototype.forEach.call(rows, function (row) {
      index = Math.max(index, parseInt(row.getAttribute("data-grid-new-row"), 10) + 1);
    });
    var copy = last.cloneNode(true);
    copy.setAttribute("data-grid-new-row", String(index));
    var old = "new" + last.getAttribute("data-grid-new-row") + "_";
    copy.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.split(old).join("new" + index + "_")); }
      });
      if (el.tagName === "INPUT") { el.value = ""; el.defaultValue = ""; el.removeAttribute("aria-invalid"); }
      if (el.tagName === "SELECT") { el.selectedIndex = 0; }
    });
    copy.querySelectorAll(".error").forEach(function (el) { el.remove(); });
    copy.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    last.parentNode.insertBefore(copy, last.nextSibling);
    var project = copy.querySelector("[data-grid-project]");
    if (project) {
      project.addEventListener("change", function () { narrowTasks(project); });
      narrowTasks(project);
      project.focus();
    }
  }

  function init() {
    document.querySelectorAll("[data-grid-project]").forEach(function (project) {
      project.addEventListener("change", function () { narrowTasks(project); });
      narrowTasks(project);
    });
    var form = document.querySelector("[data-week-grid]");
    if (!form) { return; }
    form.addEventListener("keydown", function (event) { onKey(form, event); });
    form.addEventListener("focusin", function (event) {
      if (event.target.hasAttribute && event.target.hasAttribute("data-grid-cell")) { event.target.select(); }
    });
    var add = form.querySelector("[data-grid-add-row]");
    if (add) {
      add.hidden = false;
      add.addEventListener("click", function () { addRow(form); });
    }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
