// The locality × concept matrix: the category filter hides other groups at once (and keeps the URL and
// the CSV link in step); sorting and the restated switch reload the server-rendered table.
(function () {
  "use strict";
  var form = document.getElementById("matrix-controls");
  var select = document.getElementById("matrix-category");
  var csv = document.getElementById("matrix-csv");
  if (!form || !select) return;

  function query(params) {
    var s = params.toString();
    return s ? "?" + s : "";
  }

  function applyFilter() {
    var chosen = select.value;
    document.querySelectorAll("#concept-matrix tbody.cat-group").forEach(function (group) {
      group.hidden = chosen !== "" && group.getAttribute("data-category") !== chosen;
    });
    var page = new URLSearchParams(window.location.search);
    if (chosen) page.set("category", chosen); else page.delete("category");
    history.replaceState(null, "", window.location.pathname + query(page) + window.location.hash);
    var params = new URLSearchParams();
    if (chosen) params.set("category", chosen);
    if (page.get("include_restated")) params.set("include_restated", page.get("include_restated"));
    if (csv) csv.setAttribute("href", "/matrix.csv" + query(params));
  }

  select.addEventListener("change", applyFilter);
  form.querySelectorAll("#matrix-sort, input[name=include_restated]").forEach(function (el) {
    el.addEventListener("change", function () { form.submit(); });
  });
  var button = form.querySelector("button[type=submit]");
  if (button) button.hidden = true;
})();
