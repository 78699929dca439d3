/* The MyFlightbook card's sync: start (or join) the one sync job and poll it, importing → ready | failed.

   When the job ends, every section it may have changed (synced counts, Totals, Currency, Totals by source,
   Flights) is fetched again from the server and swapped in BEFORE "Ready" is shown, so the page never says
   "Ready" above numbers from before the sync. Sections that can change carry `data-refresh` and an id. */
(function () {
  "use strict";
  var box = document.getElementById("mfb-sync");
  if (!box) { return; }
  var button = document.getElementById("mfb-sync-button");
  var fullButton = document.getElementById("mfb-full-sync-button");  // the whole logbook, not the quick window
  var autoSync = document.getElementById("mfb-auto-sync");
  var state = document.getElementById("mfb-sync-state");
  var bar = document.getElementById("mfb-sync-progress");
  var timer = null;

  function show(kind, text) {
    state.dataset.state = kind;
    state.className = kind === "failed" ? "error" : (kind === "ready" ? "status-ok" : "muted");
    state.textContent = text;
    bar.hidden = kind !== "importing";
    button.disabled = kind === "importing";
    fullButton.disabled = kind === "importing";
    button.textContent = kind === "failed" ? "Retry sync" : "Sync now";
  }

  function plural(count, word) { return count + " " + word + (count === 1 ? "" : "s"); }

  function progressText(job) {
    var p = job.progress || {};
    if (job.status === "queued") { return "Importing… waiting for a worker."; }
    var text = "Importing… " + (job.phase || "starting");
    if (p.mode) { text += " (" + p.mode + (p.escalated ? ", escalated" : "") + ")"; }
    if (p.pages_done !== undefined) {
      // The outcome words every page uses (logbook/outcomes.py): new, already in the logbook, not imported.
      text += ": " + plural(p.pages_done, "page") + " read, " + (p.imported || 0) + " new, " +
        (p.skipped || 0) + " already in the logbook, " + (p.failed || 0) + " not imported";
    }
    return text;
  }

  function finish(kind, text) {
    // Sections first, then the word: "Ready" appears only above the numbers the sync produced.
    window.FlightBridge.refreshSections().then(function () { show(kind, text); }, function () {
      show(kind, text + " Reload the page to see the new numbers.");
    });
  }

  function poll(jobId) {
    clearTimeout(timer);
    fetch("/api/jobs/" + jobId, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (job) {
      if (job.status === "succeeded") {
        finish("ready", "Ready. " + (job.message || ""));
      } else if (job.status === "failed") {
        finish("failed", "Sync failed: " + (job.message || "no reason was given."));
      } else {
        show("importing", progressText(job));
        timer = setTimeout(function () { poll(jobId); }, 1000);
      }
    }).catch(function () {
      timer = setTimeout(function () { poll(jobId); }, 3000);  // a network blip: keep watching
    });
  }

  function start(full) {
    show("importing", "Importing… starting");
    fetch("/api/integrations/myflightbook/sync" + (full ? "?full=true" : ""), {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": box.dataset.csrf}
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (answer) {
      if (!answer.ok) { show("failed", "Sync failed: " + (answer.body.detail || "it could not start.")); return; }
      box.dataset.jobId = answer.body.id;
      poll(answer.body.id);
    }).catch(function () { show("failed", "Sync failed: FlightBridge could not be reached."); });
  }

  button.addEventListener("click", function () { start(false); });
  fullButton.addEventListener("click", function () { start(true); });

  // Auto-sync on or off for this pilot; the card's "Next sync" is re-read from the server afterwards.
  autoSync.addEventListener("change", function () {
    var wanted = autoSync.checked;
    fetch("/api/integrations/myflightbook", {
      method: "PATCH", credentials: "same-origin",
      headers: {"X-CSRFToken": box.dataset.csrf, "Content-Type": "application/json"},
      body: JSON.stringify({auto_sync: wanted})
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return window.FlightBridge.refreshSections();
    }).catch(function () {
      autoSync.checked = !wanted;  // not saved: show the setting as it still is
    });
  });

  if (box.dataset.jobId && (box.dataset.jobStatus === "queued" || box.dataset.jobStatus === "running")) {
    poll(box.dataset.jobId);  // a sync already under way when the page loaded
  }
})();
