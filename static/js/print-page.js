// The print view's button: opens the browser's print dialog (inline handlers are not allowed).
(function () {
  "use strict";
  const button = document.querySelector("[data-print]");
  if (button) button.addEventListener("click", () => window.print());
})();
