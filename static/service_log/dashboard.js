// Service dashboard charts (ECharts from our own static files); the figures come from the page's JSON.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const charts = {};
  charts.complaints = echarts.init(document.getElementById("chart-complaints"));
  charts.complaints.setOption({tooltip: {}, xAxis: {type: "category", data: data.states}, yAxis: {type: "value"},
    series: [{type: "bar", name: "complaints", data: data.stateCounts}]});
  charts.satisfaction = echarts.init(document.getElementById("chart-satisfaction"));
  charts.satisfaction.setOption({tooltip: {trigger: "axis"}, xAxis: {type: "category", data: data.months},
    yAxis: {type: "value", min: 1, max: 5}, series: [{type: "line", name: "average", data: data.averages}]});
  window.futcrmCharts = charts;
})();
