// Source reader: choosing a highlighted span shows, beside the text, the facts it supports.
// A click on highlighted text lists the spans that cover the clicked piece; a link to a span
// (#evidence-id) lists every span that overlaps it, so a fact quoted by a neighbouring span shows too.
(function () {
  "use strict";
  var panel = document.getElementById("panel");
  var list = document.getElementById("panel-list");
  if (!panel || !list) { return; }
  var items = Array.prototype.slice.call(document.querySelectorAll("ol.spans > li[data-ev]"))
    .filter(function (li) { return !list.contains(li); });

  function show(ids) {
    list.replaceChildren();
    ids.forEach(function (id) {
      var item = document.getElementById("facts-" + id);
      if (item) {
        var copy = item.cloneNode(true);
        copy.removeAttribute("id");
        list.appendChild(copy);
      }
    });
    panel.hidden = ids.length === 0;
  }

  function overlapping(id) {
    var own = document.getElementById("facts-" + id);
    if (!own) { return []; }
    var start = Number(own.dataset.start), end = Number(own.dataset.end);
    return items.filter(function (li) { return Number(li.dataset.start) < end && start < Number(li.dataset.end); })
      .map(function (li) { return li.dataset.ev; });
  }

  function activate(mark) {
    document.querySelectorAll(".reader a.hl.active").forEach(function (m) { m.classList.remove("active"); });
    if (mark) { mark.classList.add("active"); }
  }

  document.querySelectorAll(".reader a.hl").forEach(function (mark) {
    mark.addEventListener("click", function (event) {
      event.preventDefault();
      show(mark.dataset.ev.split(" "));
      activate(mark);
    });
  });

  function fromHash() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var anchor = id && document.getElementById(id);
    if (!anchor || !anchor.classList.contains("anchor")) { return; }
    var next = anchor.nextElementSibling;
    document.querySelectorAll(".reader a.hl.target").forEach(function (m) { m.classList.remove("target"); });
    document.querySelectorAll(".reader a.hl").forEach(function (m) {
      if (m.dataset.ev.split(" ").indexOf(id) >= 0) { m.classList.add("target"); }
    });
    activate(next && next.classList.contains("hl") ? next : null);
    show(overlapping(id));
    anchor.scrollIntoView({ block: "center" });
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
