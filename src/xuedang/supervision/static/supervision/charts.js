// Draws each [data-chart] element from the JSON data named by its data-chart attribute, with the
// vendored Apache ECharts (static/supervision/echarts/). Horizontal stacked bars read on a phone;
// the table beside each chart holds the same numbers for screen readers and for anyone without JS.
(function () {
  "use strict";
  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    el.style.height = Math.max(160, 28 * data.categories.length + 90) + "px";
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      aria: { enabled: true, label: { description: el.getAttribute("aria-label") || data.title } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category", inverse: true, data: data.categories,
        axisLabel: { width: 120, overflow: "truncate" }
      },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "total", data: s.data };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-drawn", "1");
  }
  document.querySelectorAll("[data-chart]").forEach(draw);
})();
