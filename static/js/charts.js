/* Draws the charts whose data the page already shows as a table: <canvas data-chart="bar|line"
   data-chart-source="<json_script id>" [data-chart-series="overtime"]>. Without JavaScript (or
   Chart.js) the tables stay; nothing here is needed to read the data. */
(function () {
  "use strict";
  function draw() {
    if (typeof window.Chart === "undefined") return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chartSource);
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var overtime = canvas.dataset.chartSeries === "overtime";
      var labels = overtime ? data.overtime_labels : data.labels;
      var values = overtime ? data.overtime : data.worked;
      if (!labels || !labels.length) return;
      canvas.parentNode.hidden = false;  // hidden until drawn: no empty box without JavaScript
      new window.Chart(canvas, {
        type: canvas.dataset.chart,
        data: { labels: labels, datasets: [{ label: canvas.closest("section").querySelector("h2").textContent, data: values,
          backgroundColor: "#1f6feb", borderColor: "#1f6feb" }] },
        options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true } } }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
