// Any <button data-print> prints the page (no inline script: the CSP forbids it).
document.querySelectorAll("button[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
