// Source reader: clicking a highlighted span shows, beside the text, the facts it supports.
(function () {
  "use strict";
  var panel = document.getElementById("panel");
  if (!panel) { return; }
  document.querySelectorAll(".reader a.hl").forEach(function (mark) {
    mark.addEventListener("click", function (event) {
      event.preventDefault();
      panel.replaceChildren();
      mark.dataset.ev.split(" ").forEach(function (id) {
        var item = document.getElementById("facts-" + id);
        if (item) { panel.appendChild(item.cloneNode(true)); }
      });
      panel.hidden = false;
      document.querySelectorAll(".reader a.hl.active").forEach(function (m) { m.classList.remove("active"); });
      mark.classList.add("active");
    });
  });
  if (window.location.hash) {
    var anchor = document.getElementById(window.location.hash.slice(1));
    if (anchor) {
      var next = anchor.nextElementSibling;
      if (next && next.classList.contains("hl")) { next.classList.add("target"); next.click(); }
      anchor.scrollIntoView({ block: "center" });
    }
  }
})();
