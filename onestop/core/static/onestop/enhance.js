// Enhancements only: every page works without this file (the Content-Security-Policy allows no
// inline script, so behaviour is bound here, never in onclick attributes).
document.documentElement.classList.add("js");
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
