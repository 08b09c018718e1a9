// kechuang web: draw the dashboard's charts (ECharts, vendored) from data-chart attributes.
(function () {
  "use strict";
  function draw() {
    if (typeof window.echarts === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = JSON.parse(el.getAttribute("data-chart"));
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var names = spec.items.map(function (i) { return i.label; });
      chart.setOption({
        animation: false,
        title: { text: spec.title, left: 8, top: 6, textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis" },
        legend: { top: 6, right: 8, data: [String(spec.year - 1), String(spec.year)] },
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: names, axisLabel: { width: 160, overflow: "truncate" } },
        series: [
          { name: String(spec.year - 1), type: "bar", data: spec.items.map(function (i) { return i.previous; }) },
          { name: String(spec.year), type: "bar", data: spec.items.map(function (i) { return i.value; }) }
        ]
      });
      el.setAttribute("data-drawn", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
