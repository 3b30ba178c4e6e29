// Job page: poll the job's status while it is queued or running, show its progress, and
// reload once it has finished so the server renders the result (download link or error).
// Loaded as a file, never inline: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var panel = document.getElementById("job");
  if (!panel) { return; }
  var active = ["queued", "running"];
  if (active.indexOf(panel.dataset.status) === -1) { return; }

  var url = panel.dataset.statusUrl;
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var note = document.getElementById("job-note");
  var label = document.getElementById("job-status");
  var delay = 1000;
  var failures = 0;

  function show(state) {
    if (label) { label.textContent = state.status_label; }
    if (bar && state.total > 0) {
      bar.max = state.total;
      bar.value = state.done;
      bar.textContent = state.done + " / " + state.total;
    }
    if (count && state.total > 0) { count.textContent = state.done + " / " + state.total; }
    if (note) { note.textContent = state.note || ""; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        show(state);
        if (active.indexOf(state.status) === -1) {
          window.location.reload();
          return;
        }
        // Long jobs need not be asked about every second.
        delay = Math.min(delay * 1.25, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        failures += 1;
        if (failures < 5) { window.setTimeout(poll, 3000); }
      });
  }

  window.setTimeout(poll, delay);
}());
