/* The inbox's "Reject selected" asks first (static file: the Content-Security-Policy forbids
   inline handlers). A modal <dialog> says how many requests would be rejected and asks why;
   Cancel or Esc leaves the page as it was; Reject copies the reason into the form's comment
   and sends the form with decision=reject. Without JavaScript the server requires the comment. */
(function () {
  "use strict";
  function setup() {
    var button = document.querySelector("[data-reject-dialog]");
    if (!button) return;
    var dialog = document.getElementById(button.dataset.rejectDialog);
    var form = button.form;
    if (!dialog || !form || typeof dialog.showModal !== "function") return;
    var reason = dialog.querySelector("textarea");
    var text = dialog.querySelector("[data-count-text]");
    var missing = dialog.querySelector("[data-testid=reject-dialog-error]");
    var none = dialog.querySelector("[data-none]");
    var confirmButton = dialog.querySelector("button[value=confirm]");
    var cancelButton = dialog.querySelector("button[value=cancel]");

    function selected() { return form.querySelectorAll("input[name=ids]:checked").length; }

    button.addEventListener("click", function (event) {
      event.preventDefault();
      var count = selected();
      text.textContent = text.dataset.countText.replace("%(count)s", String(count));
      none.hidden = count > 0;
      confirmButton.disabled = count === 0;
      missing.hidden = true;
      reason.value = form.elements.comment ? form.elements.comment.value : "";
      dialog.showModal();  // modal: focus stays inside, Esc closes (the browser's own)
      reason.focus();
    });
    cancelButton.addEventListener("click", function () { dialog.close("cancel"); });
    dialog.addEventListener("close", function () { button.focus(); });
    confirmButton.addEventListener("click", function () {
      if (!reason.value.trim()) {
        missing.hidden = false;
        reason.focus();
        return;
      }
      if (form.elements.comment) form.elements.comment.value = reason.value;
      var decision = document.createElement("input");
      decision.type = "hidden";
      decision.name = "decision";
      decision.value = "reject";
      form.appendChild(decision);
      dialog.close("confirm");
      form.submit();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
