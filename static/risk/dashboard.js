// Risk dashboard charts (ECharts from our own static files); the figures come from the page's JSON.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const charts = {};
  charts.open = echarts.init(document.getElementById("chart-open"));
  charts.open.setOption({
    tooltip: {}, xAxis: {type: "category", data: data.kinds, axisLabel: {interval: 0, rotate: 20}},
    yAxis: {type: "value"}, series: [{type: "bar", name: "open", data: data.open}],
  });
  charts.trend = echarts.init(document.getElementById("chart-trend"));
  charts.trend.setOption({
    tooltip: {trigger: "axis"}, legend: {top: 0}, xAxis: {type: "category", data: data.trendDates},
    yAxis: {type: "value"}, series: data.trend.map(s => ({type: "line", stack: "alerts", name: s.name, data: s.data})),
  });
  window.futcrmCharts = charts;
  window.addEventListener("resize", () => Object.values(charts).forEach(chart => chart.resize()));
})();
