// Upload progress for the import form (htmx reports it; the <progress> shows while a request runs).
(function () {
  "use strict";
  document.addEventListener("htmx:xhr:progress", function (event) {
    const form = event.target.closest("[data-upload]");
    const bar = form && form.querySelector("progress");
    if (bar && event.detail.lengthComputable) {
      bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
    }
  });
})();
