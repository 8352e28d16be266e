/* Every input[data-datetime] becomes a Vietnamese date-time picker (flatpickr, vn locale, 24-hour clock).
   The text stays dd/mm/yyyy HH:MM, which the server reads (core/platform/datetimes.py) and a person may
   also type. ES5, no inline script. */
(function () {
  "use strict";
  function init() {
    if (!window.flatpickr) { return; }
    var inputs = document.querySelectorAll("input[data-datetime]");
    for (var i = 0; i < inputs.length; i++) {
      window.flatpickr(inputs[i], {
        locale: "vn", enableTime: true, time_24hr: true, dateFormat: "d/m/Y H:i", allowInput: true,
        minuteIncrement: 1, disableMobile: true
      });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
