/* The aircraft-model sync page (/fleet/sync/): its buttons post to the JSON API and follow the jobs they
   start by polling /api/jobs/{id}. When the last followed job ends, the page's sections are fetched again,
   so the status, logs and models shown are the ones the sync produced. */
(function () {
  "use strict";
  var STATUS_WORDS = {queued: "Waiting for a worker", running: "Running", succeeded: "Finished", failed: "Failed"};
  var following = 0;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function post(url) {
    return fetch(url, {method: "POST", credentials: "same-origin",
                       headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"}})
      .then(function (response) {
        return response.json().catch(function () { return {}; })
          .then(function (body) { return {ok: response.ok, status: response.status, body: body}; });
      });
  }
  var jobList = document.getElementById("jobs");
  function jobLine(label) {
    var line = document.createElement("li");
    line.textContent = label + ": starting…";
    if (jobList) { jobList.appendChild(line); }
    return line;
  }
  function describe(job) {
    var p = job.progress || {};
    // While it runs, the counts so far; once it ends, its message says them (once, not twice).
    var running = job.status === "queued" || job.status === "running";
    var counts = (running && "created" in p) ? " (" + p.created + " new, " + p.updated + " updated, " +
      p.unchanged + " unchanged, " + p.failed + " not imported)" : "";
    return (STATUS_WORDS[job.status] || job.status) + " — " + (job.message || "") + counts;
  }
  function follow(jobId, label, line) {
    following += 1;
    line.dataset.jobId = jobId;
    function poll() {
      fetch("/api/jobs/" + jobId, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (job) {
          line.className = job.status === "failed" ? "error" : "";
          line.textContent = label + ": " + describe(job);
          if (job.status === "queued" || job.status === "running") {
            line.dataset.jobStatus = job.status;
            setTimeout(poll, 700);
            return;
          }
          following -= 1;
          var settled = following === 0 ? window.FlightBridge.refreshSections() : Promise.resolve();
          // The final status is set once the sections are fresh: whoever reads it sees the new numbers.
          settled.catch(function () {}).then(function () { line.dataset.jobStatus = job.status; });
        })
        .catch(function () { setTimeout(poll, 2000); });
    }
    poll();
  }
  function refused(line, label, result) {
    line.dataset.jobStatus = "refused";
    line.className = "error";
    line.textContent = label + ": " + ((result.body && result.body.detail) || "the server refused it (HTTP " + result.status + ").");
  }
  function sourceName(button) {
    var row = button.closest("tr");
    var cell = row && row.querySelector("td");
    return cell ? cell.textContent.trim() : "this data source";
  }
  function modelName(button) {
    var row = button.closest("tr");
    var cell = row && row.querySelector("td");
    return cell ? cell.textContent.trim() : "this model";
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    var action = button.dataset.action;
    if (action === "test") {
      var out = document.querySelector('[data-test-result="' + button.dataset.sourceId + '"]');
      out.textContent = "Testing…"; out.className = "muted";
      button.disabled = true;
      post("/api/data-sources/" + button.dataset.sourceId + "/test").then(function (result) {
        button.disabled = false;
        var ok = result.ok && result.body.ok;
        out.className = ok ? "status-ok" : "error";
        out.dataset.ok = ok ? "true" : "false";
        out.textContent = result.body.message || result.body.detail || ("The server answered HTTP " + result.status + ".");
      });
    } else if (action === "sync-all") {
      var line = jobLine("Sync all");
      post("/api/aircraft-model-sync/sync-all").then(function (result) {
        if (!result.ok) { return refused(line, "Sync all", result); }
        line.remove();
        result.body.jobs.forEach(function (job) { follow(job.job_id, "Sync " + job.source, jobLine("Sync " + job.source)); });
      });
    } else if (action === "sync-source") {
      var label = "Sync " + sourceName(button);
      var sourceLine = jobLine(label);
      post("/api/data-sources/" + button.dataset.sourceId + "/sync").then(function (result) {
        if (!result.ok) { return refused(sourceLine, label, result); }
        follow(result.body.job_id, "Sync " + result.body.source, sourceLine);
      });
    } else if (action === "sync-model") {
      var modelLabel = "Sync model " + modelName(button);
      var modelLine = jobLine(modelLabel);
      post("/api/aircraft-models/" + button.dataset.modelId + "/sync").then(function (result) {
        if (!result.ok) { return refused(modelLine, modelLabel, result); }
        follow(result.body.job_id, modelLabel, modelLine);
      });
    }
  });
})();
