// The error summary (GOV.UK pattern): focus moves to it when the page opens, and each of its
// links moves focus to the field it names. Without this file, autofocus and anchors do the same.
const summary = document.getElementById("error-summary");
if (summary) {
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const field = link && document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (field) {
      event.preventDefault();
      (field.closest("fieldset, .field") || field).scrollIntoView();
      field.focus();
    }
  });
}
