/* The MyFlightbook card's sync: start (or join) the one sync job and poll it, importing → ready | failed.

   When the job ends, every section it may have changed (synced counts, Totals, Currency, Totals by source,
   Flights) is fetched again from the server and swapped in BEFORE "Ready" is shown, so the page never says
   "Ready" above numbers from before the sync. Sections that can change carry `data-refresh` and an id. */
(function () {
  "use strict";
  var box = document.getElementById("mfb-sync");
  if (!box) { return; }
  var button = document.getElementById("mfb-sync-button");
  var state = document.getElementById("mfb-sync-state");
  var bar = document.getElementById("mfb-sync-progress");
  var timer = null;

  function show(kind, text) {
    state.dataset.state = kind;
    state.className = kind === "failed" ? "error" : (kind === "ready" ? "status-ok" : "muted");
    state.textContent = text;
    bar.hidden = kind !== "importing";
    button.disabled = kind === "importing";
    button.textContent = kind === "failed" ? "Retry sync" : "Sync now";
  }

  function plural(count, word) { return count + " " + word + (count === 1 ? "" : "s"); }

  function progressText(job) {
    var p = job.progress || {};
    if (job.status === "queued") { return "Importing… waiting for a worker."; }
    var text = "Importing… " + (job.phase || "starting");
    if (p.pages_done !== undefined) {
      text += ": " + plural(p.pages_done, "page") + " read, " + (p.imported || 0) + " imported, " +
        (p.skipped || 0) + " skipped, " + (p.failed || 0) + " failed";
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

  button.addEventListener("click", function () {
    show("importing", "Importing… starting");
    fetch("/api/integrations/myflightbook/sync", {
      method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": box.dataset.csrf}
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (answer) {
      if (!answer.ok) { show("failed", "Sync failed: " + (answer.body.detail || "it could not start.")); return; }
      box.dataset.jobId = answer.body.id;
      poll(answer.body.id);
    }).catch(function () { show("failed", "Sync failed: FlightBridge could not be reached."); });
  });

  if (box.dataset.jobId && (box.dataset.jobStatus === "queued" || box.dataset.jobStatus === "running")) {
    poll(box.dataset.jobId);  // a sync already under way when the page loaded
  }
})();
