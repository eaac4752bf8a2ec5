// The browser's time zone: pre-selected on sign-up, offered by a button in Settings (never
// changed behind the user's back there). The server validates the choice either way.
(function () {
  "use strict";
  const select = document.querySelector('select[name="time_zone"]');
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!select || !zone || ![...select.options].some((option) => option.value === zone)) return;
  const button = document.querySelector("[data-browser-timezone]");
  if (!button) {
    select.value = zone; // sign-up
    return;
  }
  if (select.value === zone) return;
  button.textContent += " (" + zone.replace(/_/g, " ") + ")";
  button.hidden = false;
  button.addEventListener("click", function () {
    select.value = zone;
    select.focus();
  });
})();
