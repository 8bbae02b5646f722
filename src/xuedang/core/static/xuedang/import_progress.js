/* The import page's progress (templates/imports/import_detail.html): polls the URL in
   data-progress-url of #job-progress until the job finishes, then reloads. A static file, not an
   inline script: the Content-Security-Policy allows scripts from this origin only. */
(function () {
  var bar = document.getElementById("job-progress");
  if (!bar || !bar.dataset.progressUrl) { return; }
  (function poll() {
    fetch(bar.dataset.progressUrl, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (p) {
        document.getElementById("job-state").textContent = p.label;
        bar.value = p.percent;
        document.getElementById("job-count").textContent = p.processed + " / " + p.total;
        if (p.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  })();
})();
