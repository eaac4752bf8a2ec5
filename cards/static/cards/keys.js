// Keyboard shortcuts and the instant "Show answer" of the review page.
// Buttons declare their key with data-key; this script only finds and clicks them, so the page
// keeps working without it (plain forms) and htmx can swap the markup freely.
(function () {
  "use strict";

  function visible(element) {
    return element && !element.closest("[hidden]") && !element.disabled;
  }

  function reveal(button) {
    const study = button.closest("#study");
    study.querySelector("#answer").hidden = false;
    const grades = study.querySelector("[data-grades]");
    grades.hidden = false;
    button.closest("form").hidden = true;
    const preferred = grades.querySelector("[data-default]");
    if (preferred) preferred.focus();
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-reveal]");
    if (!button) return;
    event.preventDefault();
    reveal(button);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    const study = document.getElementById("study");
    if (!study) return;
    const button = study.querySelector('[data-key="' + CSS.escape(event.key) + '"]');
    if (!visible(button)) return;
    event.preventDefault();
    button.click();
  });

  // After htmx swaps in the next card, put the keyboard focus on it.
  document.addEventListener("htmx:afterSettle", function (event) {
    const target = event.detail.elt;
    if (!target || target.id !== "study") return;
    const next = target.querySelector("[autofocus]") || target.querySelector(".done");
    if (next) next.focus();
  });
})();
