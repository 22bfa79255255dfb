/* The page layout on a phone (issue #23).
 * - The main navigation: below 640 px the header shows a "Menu" button that folds the
 *   navigation open as a vertical list instead of a sideways-scrolling strip. Without
 *   JavaScript the button stays hidden and the links stand one under the other.
 * - Tables (table.list): below 640 px each row stacks as a card; every cell gets its column's
 *   header as data-label, which the stylesheet shows before the value. Tables htmx swaps in
 *   later are labelled too. Without JavaScript a table scrolls inside its own box instead.
 * - A box that scrolls sideways joins the tab order, so a keyboard can scroll it. */
(function () {
  "use strict";
  const button = document.getElementById("menu-toggle");
  const nav = document.getElementById("mainnav");
  if (button && nav) {
    const header = button.closest(".topbar");
    header.classList.add("has-menu");
    button.hidden = false;
    const set = (open) => {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("menu-open", open);
    };
    button.addEventListener("click", () => set(button.getAttribute("aria-expanded") !== "true"));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        set(false);
        button.focus();
      }
    });
  }

  function columnHeaders(table) {
    const rows = table.tHead ? table.tHead.rows : [];
    if (!rows.length) return null;
    const last = rows[rows.length - 1];
    const names = [];
    for (const cell of last.cells) {
      const name = (cell.dataset.label || cell.textContent).replace(/\s+/g, " ").trim();
      for (let i = 0; i < (cell.colSpan || 1); i += 1) names.push(name);
    }
    return names;
  }

  function label(root) {
    const scope = root && root.querySelectorAll ? root : document;
    const tables = [...scope.querySelectorAll("table.list")];
    if (scope.matches && scope.matches("table.list")) tables.push(scope);
    for (const table of tables) {
      const names = columnHeaders(table);
      if (!names) continue;
      for (const body of table.tBodies) {
        for (const row of body.rows) {
          let column = 0;
          for (const cell of row.cells) {
            const span = cell.colSpan || 1;
            // A cell across the whole row ("Nothing yet.") is a message, not a value of one column.
            if (!cell.hasAttribute("data-label") && names[column] && span < names.length) cell.setAttribute("data-label", names[column]);
            column += span;
          }
        }
      }
      table.classList.add("stacks");
    }
  }

  // A box that scrolls sideways (a wide calendar, the week grid, an unstacked table) must be
  // reachable from the keyboard (WCAG 2.1.1): it gets into the tab order while it overflows.
  function focusableScrollers() {
    for (const box of document.querySelectorAll("main div, main table, main section")) {
      const style = getComputedStyle(box);
      const scrolls = (style.overflowX === "auto" || style.overflowX === "scroll") && box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "";
      } else if (!scrolls && "scrollFocus" in box.dataset) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    }
  }

  label(document);
  focusableScrollers();
  document.addEventListener("htmx:load", (event) => {
    label(event.target);
    focusableScrollers();
  });
  let pending = 0;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(focusableScrollers, 150);
  });
})();
