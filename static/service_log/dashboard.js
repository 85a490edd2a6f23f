// Service dashboard charts (ECharts from our own static files); the figures and words come from the page's JSON.
// Each chart has a title, and says 暂无数据 when it has nothing to draw.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const words = data.words;
  const charts = {};
  charts.complaints = echarts.init(document.getElementById("chart-complaints"));
  charts.complaints.setOption({
    ...futcrmFrame(words.complaints, words.empty, data.stateCounts), tooltip: {},
    grid: {top: 48}, xAxis: {type: "category", data: data.states}, yAxis: {type: "value", minInterval: 1},
    series: [{type: "bar", name: words.count, data: data.stateCounts}]});
  charts.satisfaction = echarts.init(document.getElementById("chart-satisfaction"));
  charts.satisfaction.setOption({
    ...futcrmFrame(words.satisfaction, words.empty, data.averages), tooltip: {trigger: "axis"},
    grid: {top: 48}, xAxis: {type: "category", data: data.months}, yAxis: {type: "value", min: 1, max: 5},
    series: [{type: "line", name: words.average, data: data.averages}]});
  window.futcrmCharts = charts;
  // A chart follows its box, not only the window: the admin's sidebar opens after the charts are drawn and
  // narrows them (drawn at the wider width, they pushed the page 236 px past the window).
  Object.values(charts).forEach(chart => new ResizeObserver(() => chart.resize()).observe(chart.getDom()));
})();
