// What every staff page does without an inline script (the Content-Security-Policy allows scripts from this site
// only, core/middleware.py): a select marked data-submit-on-change submits its form; a button marked data-print
// prints the page; S13's notices appear without a reload, polled every 5 seconds from the box's data-url; the
// intraday alerts (I8) of a box marked data-intraday-feed are polled every 2 seconds and redrawn when they change.
(function () {
  document.querySelectorAll("[data-intraday-feed]").forEach(function (feed) {
    var shown = null, POLL_MS = 2000;
    function redraw() {
      if (document.hidden) { return; }
      fetch(feed.dataset.intradayFeed, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          if (data.html !== shown) {
            var before = {};
            feed.querySelectorAll("[data-alert]").forEach(function (li) { before[li.dataset.alert] = true; });
            var heading = feed.querySelector(":scope > h2");
            feed.innerHTML = data.html;  // rendered by the server's template, escaped there
            if (heading) { feed.insertBefore(heading, feed.firstChild); }
            feed.querySelectorAll("[data-alert]").forEach(function (li) {
              if (!before[li.dataset.alert]) { li.classList.add("new"); }
            });
          }
          shown = data.html;
        }).catch(function () {});
    }
    redraw(); setInterval(redraw, POLL_MS);
  });

  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var box = document.getElementById("notices");
  if (!box || !box.dataset.url) { return; }
  var after = "";
  function poll() {
    fetch(box.dataset.url + (after ? "?after=" + after : ""), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {notices: []}; })
      .then(function (data) {
        data.notices.forEach(function (notice) {
          var a = document.createElement("a");
          a.href = notice.url; a.className = "notice"; a.textContent = notice.text;
          box.appendChild(a);
        });
        after = String(data.latest);
      }).catch(function () {});
  }
  poll(); setInterval(poll, 5000);
})();
