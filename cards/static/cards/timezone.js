// Pre-select the browser's time zone on the sign-up form (the server validates the choice).
(function () {
  "use strict";
  const select = document.querySelector('select[name="time_zone"]');
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (select && zone && [...select.options].some((option) => option.value === zone)) {
    select.value = zone;
  }
})();
