/* The needs ranking page: a line per category over the weeks or months of the table.
 * Reads {{ chart_data|json_script:"needs-chart-data" }} ({periods: [...], series: [{name, data}]}).
 * The table holds the same figures, so nothing is lost without ECharts.
 */
(function () {
  "use strict";

  function draw() {
    var node = document.getElementById("needs-chart-data");
    var element = document.querySelector("[data-needs-chart]");
    if (!node || !element || !window.echarts) return;
    var data;
    try {
      data = JSON.parse(node.textContent);
    } catch (error) {
      return;
    }
    if (!data.series.length) {
      element.style.display = "none";
      return;
    }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.periods, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (series) {
        return { name: series.name, type: "line", data: series.data, smooth: false, symbolSize: 6 };
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
