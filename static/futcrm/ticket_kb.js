// S14 on the ticket page: the knowledge-base search box reloads the page with ?kb= (Enter or the button).
(function () {
  var input = document.getElementById("kb-query"), button = document.getElementById("kb-search");
  if (!input || !button) { return; }
  function go() { window.location.href = window.location.pathname + "?kb=" + encodeURIComponent(input.value) + "#kb"; }
  button.addEventListener("click", go);
  input.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); go(); } });
})();
