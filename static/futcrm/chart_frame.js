// What every futcrm chart has (issue 15 item 3): a title, and 暂无数据 across it when it has nothing to draw.
window.futcrmFrame = function (title, emptyText, values) {
  const flat = [].concat(...values.map(value => Array.isArray(value) ? value : [value]));
  const drawn = flat.some(value => value !== null && value !== 0 && value !== undefined);
  return {
    title: {text: title, left: 8, top: 6, textStyle: {fontSize: 14}},
    graphic: drawn ? [] : [{type: "text", left: "center", top: "middle",
                            style: {text: emptyText, fontSize: 14, fill: "#999"}}],
  };
};
