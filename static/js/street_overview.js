/* Charts of the street's "5个1" page: stations by rollout status and amenities coverage.
 * Reads {{ chart_data|json_script:"street-chart-data" }}; draws into [data-nuanxin-chart=NAME].
 * The tables beside each chart hold the same figures, so nothing is lost without ECharts.
 */
(function () {
  "use strict";

  var BRAND = "#07c160";

  function readData() {
    var node = document.getElementById("street-chart-data");
    try {
      return node ? JSON.parse(node.textContent) : null;
    } catch (error) {
      return null;
    }
  }

  function barOption(series, color) {
    // Horizontal bars, first row on top; labels are the categories' own names.
    return {
      animation: false,
      grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, max: series.total || null },
      yAxis: { type: "category", inverse: true, data: series.labels, axisTick: { show: false } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      series: [{ type: "bar", data: series.counts, itemStyle: { color: color }, label: { show: true, position: "right" } }],
    };
  }

  function draw() {
    var data = readData();
    if (!data || !window.echarts) return;
    var charts = [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-nuanxin-chart]"), function (element) {
      var series = data[element.getAttribute("data-nuanxin-chart")];
      if (!series || !series.labels.length) return;
      element.style.height = Math.max(120, series.labels.length * 28 + 24) + "px";
      var chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.setOption(barOption(series, element.getAttribute("data-nuanxin-chart") === "statuses" ? "#417690" : BRAND));
      element.setAttribute("data-chart-state", "ready");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) {
        chart.resize();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
