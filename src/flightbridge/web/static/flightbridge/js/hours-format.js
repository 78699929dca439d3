/* The "show hours as" choice (web/_hours_format_form.html): saved through PATCH /api/me/preferences as soon as
   it changes, then every [data-refresh] section of the page is fetched again, so each number on the page is
   written the new way without a reload. Without this script the form's Save button posts it instead. */
(function () {
  "use strict";
  document.documentElement.classList.add("hours-format-live");  // hides the Save buttons (app.css)

  function say(text) {
    document.querySelectorAll("[data-hours-format-state]").forEach(function (state) { state.textContent = text; });
  }

  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-hours-format]");
    if (!select) { return; }
    var wanted = select.value;
    var csrf = select.form.querySelector("input[name=csrfmiddlewaretoken]").value;
    say("Saving…");
    fetch("/api/me/preferences", {
      method: "PATCH", credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({hours_format: wanted})
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return window.FlightBridge.refreshSections();
    }).then(function () {
      document.querySelectorAll("select[data-hours-format]").forEach(function (other) {
        other.value = wanted;
        other.dataset.saved = wanted;
      });
      document.body.dataset.hoursFormat = wanted;
      say("Saved.");
    }).catch(function () {
      select.value = select.dataset.saved;  // not saved: show the choice as it still is
      say("Not saved: FlightBridge could not be reached. Try again.");
    });
  });
})();
