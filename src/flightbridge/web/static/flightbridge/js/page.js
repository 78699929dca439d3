/* Behaviour every page may use, declared in the markup (the Content-Security-Policy allows no inline script):
   - <form data-confirm="Question?"> asks before it submits;
   - <button data-copy="text"> copies text and shows the [data-copied] note beside it;
   - FlightBridge.refreshSections() fetches this page again and swaps in every [data-refresh] section (by id),
     so a page tells the truth after a background job without a reload. */
(function () {
  "use strict";

  function refreshSections() {
    return fetch(window.location.pathname + window.location.search,
                 {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-refresh]").forEach(function (section) {
          var replacement = fresh.getElementById(section.id);
          if (replacement) { section.replaceWith(document.importNode(replacement, true)); }
        });
        document.body.dataset.refreshed = String(Number(document.body.dataset.refreshed || 0) + 1);
      });
  }
  window.FlightBridge = {refreshSections: refreshSections};

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      // Plain http (a laptop on the LAN): the Clipboard API is off, the old copy command still works.
      var area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy") ? resolve() : reject(new Error("copy refused")); }
      catch (error) { reject(error); }
      finally { document.body.removeChild(area); }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) { return; }
    var note = button.parentElement.querySelector("[data-copied]");
    copyText(button.dataset.copy).then(function () {
      if (note) { note.hidden = false; note.textContent = "Copied."; }
    }, function () {
      if (note) { note.hidden = false; note.textContent = "Could not copy: press and hold the link to copy it."; }
    });
  });
})();
