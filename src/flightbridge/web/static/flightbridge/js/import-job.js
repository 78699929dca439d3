/* An import running as a background job (a logbook file, a Logger package): follow it live, then show its run.

   The card [data-import-job] names the job. Every second the job is read from /api/jobs/{id} and its progress
   written into the card (rows read, created, updated, already in the logbook, refused). When it ends, the page
   goes to its own address with ?run=<the import run>, where the server lists what became of each record; a
   job that ended before it opened a run shows its message in the card. */
(function () {
  "use strict";
  var card = document.querySelector("[data-import-job]");
  if (!card) { return; }
  var jobId = card.dataset.importJob;
  var state = card.querySelector("[data-job-state]");
  var bar = card.querySelector("progress");

  function plural(count, word) { return count + " " + word + (count === 1 ? "" : "s"); }

  function progressText(job) {
    var p = job.progress || {};
    if (job.status === "queued") { return "Importing… waiting for a worker."; }
    if (p.rows_read === undefined) { return "Importing… reading the file."; }
    return "Importing… " + plural(p.rows_read, "record") + " read: " + (p.created || 0) + " created, " +
      (p.updated || 0) + " updated, " + (p.unchanged || 0) + " already in the logbook, " + (p.refused || 0) + " refused.";
  }

  function show(kind, text) {
    state.dataset.jobState = kind;
    state.className = kind === "failed" ? "error" : (kind === "succeeded" ? "status-ok" : "muted");
    state.textContent = text;
    if (bar) { bar.hidden = kind === "failed" || kind === "succeeded"; }
  }

  function poll() {
    fetch("/api/jobs/" + jobId, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (job) {
        if (job.status === "succeeded" || job.status === "failed") {
          var runId = (job.result && job.result.run_id) || (job.progress && job.progress.run_id);
          show(job.status, (job.status === "failed" ? "Import failed: " : "") + (job.message || ""));
          if (runId) { window.location.assign(window.location.pathname + "?run=" + runId); }
          return;
        }
        show(job.status, progressText(job));
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });  // a network blip: keep watching
  }
  poll();
})();
