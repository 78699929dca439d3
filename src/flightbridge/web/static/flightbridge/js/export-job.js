/* An export running as a background job (issue 22): follow it live, then offer its file.

   The card [data-export-job] names the job. Every second the job is read from its status URL and the flights
   written so far go into the card and its progress bar. When it has succeeded, a file export shows its download
   link; a Logger export (data-export-shows="logger-links") reads the file (the links, as GET /api/exports/logger
   answers them) and lists them like the page does, an "Open in Logger" and a Copy button each. A failed job
   shows its message. */
(function () {
  "use strict";
  var card = document.querySelector("[data-export-job]");
  if (!card) { return; }
  var state = card.querySelector("[data-job-state]");
  var bar = card.querySelector("progress");
  var ready = card.querySelector("[data-export-ready]");

  function show(kind, text) {
    state.dataset.jobState = kind;
    state.className = kind === "failed" ? "error" : (kind === "succeeded" ? "status-ok" : "muted");
    state.textContent = text;
    if (bar) { bar.hidden = kind === "failed" || kind === "succeeded"; }
  }

  function progressText(job) {
    var p = job.progress || {};
    if (job.status === "queued") { return job.message + " Waiting for a worker…"; }
    if (p.flights_written === undefined) { return job.message; }
    if (bar) { bar.max = p.flights || bar.max; bar.value = p.flights_written; }
    return "Exporting… " + p.flights_written + " of " + p.flights + " flights written.";
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function showLinks(answer) {
    var list = element("ol", "logger-links");
    list.setAttribute("data-export-links", "");
    answer.links.forEach(function (link, index) {
      var item = element("li");
      item.dataset.linkIndex = index;
      item.appendChild(element("p", "link-dates", link.entries + " entr" + (link.entries === 1 ? "y" : "ies") + ", " +
        link.length + " characters" + (link.oversized ? ", longer than the limit" : "")));
      var open = element("a", "button", "Open in Logger");
      open.href = link.url;
      open.setAttribute("data-logger-link", "");
      var copy = element("button", "secondary", "Copy");
      copy.type = "button";
      copy.dataset.copy = link.url;
      var copied = element("span", "muted", "Copied.");
      copied.setAttribute("data-copied", "");
      copied.hidden = true;
      item.append(open, " ", copy, " ", copied);
      list.appendChild(item);
    });
    card.querySelector("h2").textContent = "Links";
    card.querySelector("[data-export-note]").hidden = true;
    var counts = answer.counts;
    show("succeeded", counts.flights + " flight" + (counts.flights === 1 ? "" : "s") + " in " + counts.links +
      " link" + (counts.links === 1 ? "" : "s") + ".");
    card.appendChild(list);
  }

  function finished(job) {
    if (job.status === "failed") { show("failed", "Export failed: " + (job.message || "")); return; }
    if (card.dataset.exportShows !== "logger-links") {
      show("succeeded", job.message || "Done.");
      ready.hidden = false;
      ready.querySelector("a").addEventListener("click", function () {
        // The server removes the file once it has sent it: say so, rather than offer a link that answers 404.
        setTimeout(function () {
          ready.textContent = "Downloaded. The file is no longer kept on the server: export again for another copy.";
        }, 1000);
      });
      return;
    }
    fetch(job.result.download_url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(showLinks)
      .catch(function () { show("failed", "The links are ready but could not be read: export them again."); });
  }

  function poll() {
    fetch(card.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (job) {
        if (job.status === "succeeded" || job.status === "failed") { finished(job); return; }
        show(job.status, progressText(job));
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });  // a network blip: keep watching
  }
  poll();
})();
