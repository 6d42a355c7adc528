// The adopters map: localities placed by their gazetteer coordinates (zl:adminCode, geo:lat/long) over
// province outlines, drawn with the vendored ECharts 5 (SVG renderer: crisp, and its shapes can be counted).
// Choosing a concept highlights its adopters and dims the rest; the table under the map says the same in
// text. Data comes from the page's JSON block (the page's CSP allows no inline script).
(function () {
  "use strict";
  var el = document.getElementById("china-map");
  var dataEl = document.getElementById("map-data");
  if (!el || !dataEl || !window.echarts) return;
  var data = JSON.parse(dataEl.textContent);
  var lang = el.getAttribute("data-lang");
  var tr = function (key) { return el.getAttribute("data-t-" + key) || key; };
  var esc = echarts.format.encodeHTML;
  var byId = {};
  data.concepts.forEach(function (c) { byId[c.id] = c; });
  var select = document.getElementById("map-concept");
  var form = document.getElementById("map-controls");
  var ADOPTER = "#b3261e", PLAIN = "#2b5d8a", DIMMED = "#9aa0a6";

  function withLang(href) {
    if (lang === "en") return href;
    var hash = href.indexOf("#") >= 0 ? href.slice(href.indexOf("#")) : "";
    var path = hash ? href.slice(0, href.indexOf("#")) : href;
    return path + (path.indexOf("?") >= 0 ? "&" : "?") + "lang=" + lang + hash;
  }

  function current() { return select && select.value ? byId[select.value] : null; }

  function points(concept) {
    return data.localities.filter(function (l) { return l.lat !== null && l.lon !== null; }).map(function (l) {
      var a = concept ? concept.adopters[l.id] : null;
      var state = !concept ? "plain" : a ? "adopter" : "dimmed";
      return {
        name: l.name, value: [l.lon, l.lat], id: l.id, state: state,
        href: a ? a.href : l.href, names: a ? a.names : [],
        symbolSize: state === "adopter" ? 18 : state === "dimmed" ? 9 : 12,
        itemStyle: { color: state === "adopter" ? ADOPTER : state === "dimmed" ? DIMMED : PLAIN,
                     opacity: state === "dimmed" ? 0.55 : 1, borderColor: "#fff", borderWidth: 1.5 },
        label: { color: state === "dimmed" ? "#777" : "#222", fontWeight: state === "adopter" ? "bold" : "normal",
                 position: l.lon > 120 ? "left" : "right" },  // the easternmost label would leave a phone's frame
      };
    });
  }

  function tooltip(p) {
    var l = data.localities.filter(function (x) { return x.id === p.data.id; })[0];
    var concept = current();
    var colon = esc(tr("colon"));
    var lines = ["<b>" + esc(l.zh) + "</b> " + esc(l.en),
                 esc(tr("adcode")) + colon + esc(l.adcode || "–"),
                 esc(tr("province")) + colon + esc(l.province) + (l.parent ? " · " + esc(tr("parent")) + colon + esc(l.parent) : "")];
    if (concept) {
      lines.push(p.data.state === "adopter"
        ? esc(tr("adopts")) + " " + esc(concept.name) + colon + "<span class=\"tip-names\" lang=\"zh\">" + esc(p.data.names.join(" | ")) + "</span>"
        : esc(tr("not")) + colon + esc(concept.name));
    }
    return lines.join("<br>");
  }

  var chart = echarts.init(el, null, { renderer: "svg" });
  window.zhiliMap = chart; // for tests and the console

  function draw() {
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: tooltip, confine: true, enterable: false },
      geo: {
        map: "china", roam: true, center: [112, 35.5], zoom: 1.55, silent: true,
        label: { show: false },
        itemStyle: { areaColor: "#f3f1ea", borderColor: "#a9a39a", borderWidth: 0.8 },
      },
      series: [{
        type: "scatter", coordinateSystem: "geo", data: points(current()), zlevel: 1,
        label: { show: true, position: "right", formatter: "{b}", fontSize: 12,
                 textBorderColor: "#fff", textBorderWidth: 2 },
        labelLayout: { hideOverlap: true },
        emphasis: { scale: 1.3 },
      }],
    });
  }

  function renderList(concept) {
    var title = document.getElementById("map-list-title");
    if (title) title.textContent = concept ? concept.name + tr("colon") + concept.spread + " " + tr("adopters") : title.getAttribute("data-all") || title.textContent;
    document.querySelectorAll("#map-list tbody tr").forEach(function (row) {
      var id = row.getAttribute("data-locality");
      var a = concept ? concept.adopters[id] : null;
      row.className = !concept ? "" : a ? "adopter" : "non-adopter";
      var cell = row.querySelector("td.names");
      cell.textContent = "";
      if (a) {
        var link = document.createElement("a");
        link.className = "local-name";
        link.lang = "zh";
        link.href = withLang(a.href);
        link.textContent = a.names.join(" | ");
        cell.appendChild(link);
      } else if (concept) {
        var span = document.createElement("span");
        span.className = "meta";
        span.textContent = tr("not");
        cell.appendChild(span);
      }
    });
  }

  function update() {
    var concept = current();
    chart.setOption({ series: [{ data: points(concept) }] });
    renderList(concept);
    var params = new URLSearchParams(window.location.search);
    if (concept) params.set("concept", concept.id); else params.delete("concept");
    var q = params.toString();
    history.replaceState(null, "", window.location.pathname + (q ? "?" + q : ""));
  }

  var title = document.getElementById("map-list-title");
  if (title && !current()) title.setAttribute("data-all", title.textContent);

  fetch(el.getAttribute("data-geojson")).then(function (r) { return r.json(); }).then(function (geo) {
    echarts.registerMap("china", geo);
    draw();
    el.setAttribute("data-ready", "true");
  });
  chart.on("click", function (p) {
    if (p.seriesType === "scatter" && p.data) window.location.href = withLang(p.data.href);
  });
  window.addEventListener("resize", function () { chart.resize(); });
  if (select) select.addEventListener("change", update);
  if (form) {
    var box = form.querySelector("input[name=include_restated]");
    if (box) box.addEventListener("change", function () { form.submit(); });
    var button = form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
  }
})();
