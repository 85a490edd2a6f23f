// The client page's money chart (客户360, issue 14 item 1): equity, margin and the R1 risk degree with deposits and
// withdrawals, over the last 3, 6 or 12 months; ECharts from our own static files, the figures from the page's JSON.
(function () {
  function start() {
    const dom = document.getElementById("money-chart");
    const source = document.getElementById("money-series");
    if (!dom || !source || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    const words = JSON.parse(document.getElementById("money-labels").textContent);
    const chart = echarts.init(dom);
    window.futcrmCharts = Object.assign(window.futcrmCharts || {}, {money: chart});

    function since(months) {  // the first day shown: `months` months back from today (Asia/Shanghai, from the server)
      const [year, month, day] = data.today.split("-").map(Number);
      const first = new Date(Date.UTC(year, month - 1 - months, day));
      return first.toISOString().slice(0, 10);
    }

    function show(months) {
      const from = since(months);
      const keep = data.dates.map((date, index) => date >= from ? index : -1).filter(index => index >= 0);
      const pick = name => keep.map(index => data[name][index]);
      const money = value => value === null ? "—" : value.toLocaleString("zh-CN", {minimumFractionDigits: 2});
      chart.setOption({
        title: {text: words.title, left: 0, textStyle: {fontSize: 14}},
        tooltip: {trigger: "axis", valueFormatter: money},
        legend: {top: 0, right: 0},
        grid: {left: 80, right: 60, top: 48, bottom: 30},
        xAxis: {type: "category", data: pick("dates")},
        yAxis: [{type: "value"}, {type: "value", axisLabel: {formatter: "{value}%"}, splitLine: {show: false}}],
        series: [
          {name: words.equity, type: "line", data: pick("equity"), showSymbol: false},
          {name: words.margin, type: "line", data: pick("margin"), showSymbol: false},
          {name: words.degree, type: "line", yAxisIndex: 1, data: pick("degree"), showSymbol: false,
           tooltip: {valueFormatter: value => value === null ? "—" : value + "%"}},
          {name: words.deposit, type: "bar", data: pick("deposit"), stack: "flows"},
          {name: words.withdrawal, type: "bar", data: pick("withdrawal"), stack: "flows"},
        ],
      }, true);
      document.querySelectorAll("#money .ranges button").forEach(button =>
        button.classList.toggle("active", Number(button.dataset.months) === months));
      chart.futcrmMonths = months;
    }

    document.querySelectorAll("#money .ranges button").forEach(button =>
      button.addEventListener("click", () => show(Number(button.dataset.months))));
    show(3);
    new ResizeObserver(() => chart.resize()).observe(dom);  // follows its box (the sidebar opens after it)
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
