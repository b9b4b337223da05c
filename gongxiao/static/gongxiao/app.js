(function () {
  function enhance(root) {
    if (!window.TomSelect) return;
    root.querySelectorAll("select.tom-select, select[multiple]").forEach(function (el) {
      if (!el.tomselect && el.type !== "hidden") new TomSelect(el, { plugins: el.multiple ? ["remove_button"] : [], maxOptions: 500 });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.body && document.body.addEventListener("htmx:afterSwap", function (e) { enhance(e.target); });
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
})();
// The filter bar swaps the table with htmx and pushes the URL; export what the URL now says.
document.addEventListener("click", function (e) {
  var link = e.target.closest && e.target.closest("a[data-export]");
  if (!link) return;
  var params = new URLSearchParams(window.location.search);
  params.delete("page");
  params.set("export", "xlsx");
  link.href = window.location.pathname + "?" + params.toString();
});
