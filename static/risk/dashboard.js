// Risk dashboard charts (ECharts from our own static files); the figures come from the page's JSON.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const words = data.words;
  const charts = {};
  charts.open = echarts.init(document.getElementById("chart-open"));
  charts.open.setOption({
    ...futcrmFrame(words.open, words.empty, data.open), grid: {top: 48},
    tooltip: {}, xAxis: {type: "category", data: data.kinds, axisLabel: {interval: 0, rotate: 20}},
    yAxis: {type: "value", minInterval: 1}, series: [{type: "bar", name: words.alerts, data: data.open}],
  });
  charts.trend = echarts.init(document.getElementById("chart-trend"));
  charts.trend.setOption({
    ...futcrmFrame(words.trend, words.empty, data.trend.map(s => s.data)), grid: {top: 64},
    tooltip: {trigger: "axis"}, legend: {top: 28}, xAxis: {type: "category", data: data.trendDates},
    yAxis: {type: "value", minInterval: 1}, series: data.trend.map(s => ({type: "line", name: s.name, data: s.data})),  // each kind its own count, not stacked
  });
  window.futcrmCharts = charts;
  // A chart follows its box, not only the window: the admin's sidebar opens after the charts are drawn and
  // narrows them (drawn at the wider width, they pushed the page 236 px past the window).
  Object.values(charts).forEach(chart => new ResizeObserver(() => chart.resize()).observe(chart.getDom()));
})();
