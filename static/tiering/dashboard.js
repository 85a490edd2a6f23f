// Tier dashboard charts (ECharts served from our own static files). The numbers come from the page's JSON.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const words = data.words;
  const charts = {};
  charts.tiers = echarts.init(document.getElementById("chart-tiers"));
  charts.tiers.setOption({
    ...futcrmFrame(words.tiers, words.empty, data.clients), grid: {top: 48},
    tooltip: {}, xAxis: {type: "category", data: data.tiers}, yAxis: {type: "value", minInterval: 1},
    series: [{type: "bar", name: words.clients, data: data.clients}],
  });
  charts.trend = echarts.init(document.getElementById("chart-trend"));
  charts.trend.setOption({
    ...futcrmFrame(words.trend, words.empty, data.trend.map(s => s.data)), grid: {top: 64},
    tooltip: {trigger: "axis"}, legend: {top: 28}, xAxis: {type: "category", data: data.trendMonths},
    yAxis: {type: "value", minInterval: 1}, series: data.trend.map(s => ({type: "line", name: s.name, data: s.data})),
  });
  charts.migration = echarts.init(document.getElementById("chart-migration"));
  const maximum = Math.max(1, ...data.migration.map(cell => cell[2]));
  charts.migration.setOption({
    ...futcrmFrame(words.migration, words.empty, data.migration.map(cell => cell[2])), grid: {top: 48},
    tooltip: {}, xAxis: {type: "category", data: data.tiers}, yAxis: {type: "category", data: data.tiers},
    visualMap: {min: 0, max: maximum, calculable: true, orient: "horizontal", left: "center", bottom: 0},
    series: [{type: "heatmap", data: data.migration, label: {show: true}}],
  });
  window.futcrmCharts = charts;  // for the browser test: which charts rendered, with what data
  // A chart follows its box, not only the window: the admin's sidebar opens after the charts are drawn and
  // narrows them (drawn at the wider width, they pushed the page 236 px past the window).
  Object.values(charts).forEach(chart => new ResizeObserver(() => chart.resize()).observe(chart.getDom()));
})();
