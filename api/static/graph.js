// The graph view: localities, mechanisms and documents from /api/graph (laid out on the
// server, so no physics runs here), level-of-detail labels that never overlap, a details
// panel, expand/collapse, search with a result list, filters that re-fit the view, compare
// mode with a list of what it colours, the tier view (an HTML table aligned by rank) and a
// text version of the graph (a list of every node). Every string from the data is written
// as text (textContent or vis-network's canvas labels), never as HTML. The URL carries the state.
(function () {
  "use strict";
  var app = document.getElementById("graph-app");
  if (!app || !window.vis) { return; }

  var params = new URLSearchParams(window.location.search);
  function list(name, fallback) {
    var raw = params.get(name);
    return (raw === null ? (fallback || "") : raw).split(",").filter(Boolean);
  }
  var state = {
    lang: params.get("lang") === "zh" ? "zh" : "en",
    view: params.get("view") === "tiers" ? "tiers" : "network",
    types: new Set(list("types", "locality,mechanism")),
    locs: new Set(list("loc")),
    cats: new Set(list("cat")),
    compare: list("compare"),
    select: params.get("select") || "",
    expanded: new Set(list("expand")),
    collapsed: new Set(list("collapse")),
    tierLocs: list("locality"),
    synthetic: params.get("synthetic")
  };
  var zh = state.lang === "zh";
  var T = JSON.parse(document.getElementById("graph-strings").textContent);
  var FONT_PX = 11, LOC_FONT_PX = 14;   // label heights on screen, whatever the zoom
  var FACE = "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif";
  var COMPARE = { shared: "#2e7d32", variant: "#1565c0", some: "#6a1b9a", unique: "#ef6c00", other: "#e6e1d8" };
  var COMPARE_ORDER = ["shared", "variant", "some", "unique"];

  var nodes = new vis.DataSet();
  var edges = new vis.DataSet();
  var all = { nodes: [], edges: [], byId: {}, adj: {}, edgeNames: {}, edgeRestated: {}, index: [] };
  var network = null;
  var panel = document.getElementById("panel");
  var compareStyles = null;

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function label(obj) { return (zh ? (obj.zh || obj.en) : (obj.en || obj.zh)) || ""; }

  function syncUrl() {
    var p = new URLSearchParams();
    if (state.view !== "network") { p.set("view", state.view); }
    if (state.lang === "zh") { p.set("lang", "zh"); }
    var types = Array.from(state.types).sort().join(",");
    if (types !== "locality,mechanism") { p.set("types", types); }
    [["loc", state.locs], ["cat", state.cats], ["expand", state.expanded], ["collapse", state.collapsed]].forEach(function (pair) {
      if (pair[1].size) { p.set(pair[0], Array.from(pair[1]).sort().join(",")); }
    });
    if (state.compare.length) { p.set("compare", state.compare.join(",")); }
    if (state.select) { p.set("select", state.select); }
    if (state.view === "tiers" && state.tierLocs.length) { p.set("locality", state.tierLocs.join(",")); }
    if (state.synthetic) { p.set("synthetic", state.synthetic); }
    var query = p.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
  }

  // ---------------------------------------------------------------- labels
  // A node's label as drawn: Chinese wrapped at 10 characters, English at 18, at most two lines.
  function wrap(text) {
    var limit = zh ? 10 : 18, lines = [], rest = text;
    while (rest.length > limit && lines.length < 1) {
      var cut = zh ? limit : rest.lastIndexOf(" ", limit);
      if (cut <= 0) { cut = limit; }
      lines.push(rest.slice(0, cut).trim());
      rest = rest.slice(cut).trim();
    }
    if (rest.length > limit) { rest = rest.slice(0, limit - 1) + "…"; }
    lines.push(rest);
    return lines;
  }
  var measure = document.createElement("canvas").getContext("2d");
  function widthAt(lines, px) {
    measure.font = px + "px " + FACE;
    return Math.max.apply(null, lines.map(function (l) { return measure.measureText(l).width; }));
  }
  // Two forms of each label: the wrapped one, and one line (cut with "…") for where that does not fit.
  function prepareLabel(n) {
    var lines = wrap(label(n));
    n.px = n.kind === "locality" ? LOC_FONT_PX : FONT_PX;
    n.forms = [{ text: lines.join("\n"), lines: lines.length, width: widthAt(lines, n.px) }];
    if (lines.length > 1) {
      var one = lines[0].replace(/…$/, "") + "…";
      n.forms.push({ text: one, lines: 1, width: widthAt([one], n.px) });
    }
  }

  function priority(n) {
    if (n.id === state.select) { return 0; }
    if (compareStyles && (compareStyles[n.id] || {}).cls === "other") { return 99; }   // greyed out: no label
    if (n.kind === "locality") { return 1; }
    if (state.select && (all.adj[state.select] || []).indexOf(n.id) >= 0) { return 2; }
    if (compareStyles) {
      var cls = (compareStyles[n.id] || {}).cls;
      return 3 + COMPARE_ORDER.indexOf(cls);
    }
    return 10;
  }

  // Level of detail: at the current zoom every label is FONT_PX tall on screen; labels are
  // placed greedily in priority order (selected, localities, its neighbours, then by degree)
  // and a label that would overlap one already placed is not drawn. A grid hash keeps it linear.
  function positionsOf(ids) {
    if (network) { return network.getPositions(ids); }
    var pos = {};
    ids.forEach(function (id) { pos[id] = { x: all.byId[id].x, y: all.byId[id].y }; });
    return pos;
  }
  // Before the network exists (first load) the results go straight into the node data, so that
  // vis-network draws the first frame labelled and no update pass over every node is needed.
  function applyNodes(updates) {
    if (!updates.length) { return; }
    if (network) { nodes.update(updates); return; }
    updates.forEach(function (u) { Object.assign(all.byId[u.id], u); });
  }
  var initialView = null;

  function relabel() {
    var scale = network ? network.getScale() : initialView ? initialView.scale : 0;
    if (!scale) { return; }
    var shown = all.nodes.filter(function (n) { return !n.hiddenNow; });
    shown.sort(function (a, b) { return priority(a) - priority(b) || b.degree - a.degree || (a.id < b.id ? -1 : 1); });
    var pos = positionsOf(shown.map(function (n) { return n.id; }));
    var CELL = 64, grid = {}, updates = [], drawn = 0;
    var frame = document.getElementById("network").getBoundingClientRect();
    var centre = network ? network.getViewPosition() : initialView.position;
    var origin = { x: frame.width / 2 - centre.x * scale, y: frame.height / 2 - centre.y * scale };
    function cells(box, fn) {
      for (var gx = Math.floor(box[0] / CELL); gx <= Math.floor(box[2] / CELL); gx++) {
        for (var gy = Math.floor(box[1] / CELL); gy <= Math.floor(box[3] / CELL); gy++) {
          if (fn(gx + ":" + gy) === false) { return false; }
        }
      }
      return true;
    }
    function fits(box) {
      return cells(box, function (key) {
        return !(grid[key] || []).some(function (b) { return b[0] < box[2] && box[0] < b[2] && b[1] < box[3] && box[1] < b[3]; });
      });
    }
    shown.forEach(function (n) {
      var p = pos[n.id];
      var x = p.x * scale + origin.x, y = p.y * scale + origin.y;   // on screen, relative to the canvas
      var top = y + (n.size + 3) * scale;
      var text = "";
      if (priority(n) < 99) {
        for (var i = 0; i < n.forms.length; i++) {
          var f = n.forms[i];
          var box = [x - f.width / 2 - 2, top - 1, x + f.width / 2 + 2, top + f.lines * n.px * 1.15 + 1];
          var inside = box[0] >= 0 && box[2] <= frame.width && box[1] >= 0 && box[3] <= frame.height;
          if (inside && fits(box)) {   // no label cut by the canvas edge (panning relabels)
            cells(box, function (key) { (grid[key] = grid[key] || []).push(box); });
            drawn += 1;
            text = f.text;
            break;
          }
        }
      }
      var size = Math.round(n.px / scale * 100) / 100;
      if (text !== n.drawnLabel || size !== n.drawnSize) {
        n.drawnLabel = text;
        n.drawnSize = size;
        updates.push({ id: n.id, label: text, font: { size: size, strokeWidth: Math.round(300 / scale) / 100,
          color: n.kind === "locality" ? "#7a1712" : "#1d2733" } });
      }
    });
    applyNodes(updates);
    app.dataset.labels = String(drawn);
  }
  var relabelTimer = null;
  function relabelSoon() {
    clearTimeout(relabelTimer);
    relabelTimer = setTimeout(relabel, 120);
  }

  // Fit the given nodes (by their centres, leaving room for labels) into the canvas.
  function fitTo(ids) {
    if (!ids.length) { return; }
    var pos = positionsOf(ids);
    var xs = ids.map(function (id) { return pos[id].x; }), ys = ids.map(function (id) { return pos[id].y; });
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    var box = document.getElementById("network").getBoundingClientRect();
    var w = Math.max(box.width - Math.min(150, box.width * 0.12), 40), h = Math.max(box.height - Math.min(90, box.height * 0.12), 40);
    var scale = Math.min(w / Math.max(maxX - minX, 1), h / Math.max(maxY - minY, 1), 1.5);
    var view = { position: { x: (minX + maxX) / 2, y: (minY + maxY) / 2 + 12 / scale }, scale: scale, animation: false };
    if (network) { network.moveTo(view); } else { initialView = view; }
  }
  function fitVisible() {
    var ids;
    if (compareStyles) {
      ids = all.nodes.filter(function (n) { return !n.hiddenNow && compareStyles[n.id] && compareStyles[n.id].cls !== "other"; })
        .map(function (n) { return n.id; });
    }
    if (!ids || !ids.length) { ids = all.nodes.filter(function (n) { return !n.hiddenNow; }).map(function (n) { return n.id; }); }
    fitTo(ids);
  }

  // ---------------------------------------------------------------- visibility
  function computeVisible() {
    var visible = {};
    all.nodes.forEach(function (n) {
      var ok = state.types.has(n.kind);
      if (ok && state.locs.size) {
        ok = n.kind === "locality" ? state.locs.has(n.ref)
          : (all.adj[n.id] || []).some(function (m) { return all.byId[m].kind === "locality" && state.locs.has(all.byId[m].ref); });
      }
      if (ok && state.cats.size && n.kind === "mechanism") { ok = state.cats.has(n.category); }
      visible[n.id] = ok;
    });
    state.expanded.forEach(function (id) {
      if (!all.byId[id]) { return; }
      visible[id] = true;
      (all.adj[id] || []).forEach(function (m) { visible[m] = true; });
    });
    state.collapsed.forEach(function (id) {
      if (!visible[id]) { return; }
      (all.adj[id] || []).forEach(function (m) {
        if (state.expanded.has(m)) { return; }
        var others = (all.adj[m] || []).filter(function (k) { return k !== id && visible[k] && !state.collapsed.has(k); });
        if (!others.length) { visible[m] = false; }
      });
    });
    if (state.select && all.byId[state.select]) { visible[state.select] = true; }
    return visible;
  }

  // Compare mode follows kg.comparison: adoptions that only restate a central formula and
  // named overall formulas do not count; a concept is shared by all (under the same or
  // different names), by some (k of n) or by one.
  function compareStyle() {
    var chosen = state.compare.map(function (ref) { return "locality:" + ref; }).filter(function (id) { return all.byId[id]; });
    if (chosen.length < 2) { return null; }
    var style = {};
    all.nodes.forEach(function (n) {
      if (n.kind === "locality") {
        style[n.id] = chosen.indexOf(n.id) >= 0 ? { color: n.baseColor, borderWidth: 4, cls: "chosen" } : { color: COMPARE.other, cls: "other" };
        return;
      }
      var adopters = n.excluded ? [] : chosen.filter(function (l) {
        return (all.adj[n.id] || []).indexOf(l) >= 0 && !all.edgeRestated[l + "|" + n.id];
      });
      var cls = "other";
      if (n.kind === "mechanism" && adopters.length === chosen.length) {
        var names = adopters.map(function (l) { return (all.edgeNames[l + "|" + n.id] || []).slice().sort().join("/"); });
        cls = names.every(function (x) { return x === names[0]; }) ? "shared" : "variant";
      } else if (n.kind === "mechanism" && adopters.length > 1) {
        cls = "some";
      } else if (n.kind === "mechanism" && adopters.length === 1) {
        cls = "unique";
      }
      style[n.id] = { color: COMPARE[cls], cls: cls, adopters: adopters };
    });
    return style;
  }

  function renderCompare() {
    var box = document.getElementById("compare-result");
    box.querySelectorAll(".compare-group").forEach(function (g) { g.remove(); });
    box.hidden = !compareStyles;
    if (!compareStyles) { return; }
    COMPARE_ORDER.forEach(function (cls) {
      var members = all.nodes.filter(function (n) { return compareStyles[n.id] && compareStyles[n.id].cls === cls; })
        .sort(function (a, b) { return label(a).localeCompare(label(b)); });
      var group = el("details", null, { "class": "compare-group", "data-compare": cls });
      if (members.length <= 8) { group.open = true; }
      var summary = el("summary");
      summary.appendChild(el("span", null, { "class": "swatch " + cls, "aria-hidden": "true" }));
      summary.appendChild(document.createTextNode(T[cls] + " (" + members.length + ")"));
      group.appendChild(summary);
      var ul = el("ul");
      members.forEach(function (n) {
        var li = el("li");
        li.appendChild(nodeButton(n.id, "panel"));
        if (cls !== "shared") {
          var names = compareStyles[n.id].adopters.map(function (l) {
            return label(all.byId[l]) + ": " + (all.edgeNames[l + "|" + n.id] || []).join(" / ");
          });
          li.appendChild(el("span", " — " + names.join("; "), { "class": "gloss" }));
        }
        ul.appendChild(li);
      });
      group.appendChild(ul);
      box.appendChild(group);
    });
  }

  function refresh(keepView) {
    var visible = computeVisible();
    compareStyles = compareStyle();
    var updates = [], edgeUpdates = [], count = 0;
    all.nodes.forEach(function (n) {   // only what changed goes to vis-network
      var s = compareStyles ? compareStyles[n.id] : null;
      var u = { id: n.id, hidden: !visible[n.id], color: s ? s.color : n.baseColor,
                borderWidth: s && s.borderWidth ? s.borderWidth : 1, compare: s ? (s.cls || "") : "" };
      n.hiddenNow = u.hidden;
      count += u.hidden ? 0 : 1;
      if (u.hidden !== n.hidden || u.color !== n.color || u.borderWidth !== n.borderWidth || u.compare !== n.compare) {
        updates.push(u);
        if (network) { n.hidden = u.hidden; n.color = u.color; n.borderWidth = u.borderWidth; n.compare = u.compare; }
      }
    });
    applyNodes(updates);
    all.edges.forEach(function (e) {
      var hidden = !(visible[e.from] && visible[e.to]);
      if (hidden !== e.hidden) { e.hidden = hidden; edgeUpdates.push({ id: e.id, hidden: hidden }); }
    });
    if (network && edgeUpdates.length) { edges.update(edgeUpdates); }
    app.dataset.visibleNodes = String(count);
    renderCompare();
    if (!keepView) { fitVisible(); }
    relabel();
    syncUrl();
  }

  // ---------------------------------------------------------------- panel
  // A list that shows its first `first` items and a button that shows the rest (never a silent cut).
  function longList(items, first, render, cls) {
    var ul = el("ul", null, cls ? { "class": cls } : {});
    items.forEach(function (item, i) {
      var li = render(item);
      if (i >= first) { li.hidden = true; li.classList.add("more"); }
      ul.appendChild(li);
    });
    if (items.length <= first) { return [ul]; }
    var button = el("button", T.show_all + " (" + items.length + ")", { type: "button", "class": "show-more", "aria-expanded": "false" });
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      ul.querySelectorAll("li.more").forEach(function (li) { li.hidden = !open; });
      button.setAttribute("aria-expanded", open ? "true" : "false");
      button.textContent = open ? T.show_fewer : T.show_all + " (" + items.length + ")";
    });
    return [ul, button];
  }
  function appendAll(parent, children) { children.forEach(function (c) { parent.appendChild(c); }); }

  function evidenceItem(ev, pageHref) {
    var li = el("li");
    li.appendChild(el("q", ev.exact, { lang: "zh" }));
    li.appendChild(document.createTextNode(" "));
    // the article's headline and the span, as on the other pages (never the file name)
    var link = el("a", null, { href: ev.reader, "class": "ev-link" });
    link.appendChild(el("span", "《" + (ev.headline || ev.source) + "》", { lang: "zh" }));
    link.appendChild(document.createTextNode(T.chars.replace("{start}", ev.start).replace("{end}", ev.end)));
    li.appendChild(link);
    if (pageHref) {
      li.appendChild(document.createTextNode(" · "));
      li.appendChild(el("a", T.page, { href: pageHref }));
    }
    return li;
  }

  // A button naming a node: selects it in the graph and opens its panel, focus moving to the panel.
  function nodeButton(id) {
    var n = all.byId[id];
    var b = el("button", label(n), { type: "button", "class": "linklike", "data-node": id });
    b.addEventListener("click", function () { selectNode(id, true, true); });
    return b;
  }

  function pageUrl(path) { return path + (zh ? (path.indexOf("?") >= 0 ? "&" : "?") + "lang=zh" : ""); }

  function renderPanel(n, detail, started, takeFocus) {
    var focusInside = takeFocus || panel.contains(document.activeElement);
    panel.replaceChildren();
    panel.hidden = false;
    panel.dataset.node = n.id;
    var close = el("button", "×", { type: "button", "class": "panel-close", "aria-label": T.close });
    close.addEventListener("click", function () {
      panel.hidden = true;
      state.select = "";
      network.unselectAll();
      relabel();
      syncUrl();
      document.getElementById("network").focus();
    });
    panel.appendChild(close);
    panel.appendChild(el("p", T[n.kind], { "class": "meta" }));
    var heading = el("h2", n.zh, { tabindex: "-1" });
    panel.appendChild(heading);
    panel.appendChild(el("p", n.en, { "class": "en" }));
    if (n.adcode) { panel.appendChild(el("p", T.adcode + ": " + n.adcode, { "class": "meta adcode" })); }
    if (!state.synthetic) {
      var path = { locality: "/localities/", mechanism: "/mechanisms/", document: "/documents/" }[n.kind] + n.ref;
      panel.appendChild(el("p")).appendChild(el("a", T.page + " →", { href: pageUrl(path), "class": "entity-link" }));
    }
    if (!detail && !state.synthetic) { panel.appendChild(el("p", T.loading, { "class": "hint" })); }
    if (detail && n.kind === "locality") {
      panel.appendChild(el("p", label(detail.level) + " · " + label(detail.province), { "class": "meta" }));
      if (detail.adcode && !n.adcode) { panel.appendChild(el("p", T.adcode + ": " + detail.adcode, { "class": "meta adcode" })); }
      panel.appendChild(el("h3", T.figures + " (" + detail.figures.length + ")"));
      appendAll(panel, longList(detail.figures, 10, function (f) { return el("li", label(f.label) + ": " + f.printed); }, "figures"));
      var quotes = [];
      detail.mechanisms_by_category.forEach(function (g) {
        g.adoptions.forEach(function (a) { a.evidence.forEach(function (ev) { quotes.push([a, ev]); }); });
      });
      panel.appendChild(el("h3", T.evidence + " (" + quotes.length + ")"));
      appendAll(panel, longList(quotes, 10, function (pair) {
        var li = evidenceItem(pair[1], pageUrl("/localities/" + n.ref) + "#" + pair[0].id);
        li.insertBefore(document.createTextNode(" "), li.firstChild);
        li.insertBefore(el("b", pair[0].local_name), li.firstChild);
        return li;
      }, "evidence"));
    } else if (detail && n.kind === "mechanism") {
      panel.appendChild(el("p", T.category + ": " + label(detail.category.label), { "class": "meta" }));
      panel.appendChild(el("p", detail.definition, { "class": "def" }));
      panel.appendChild(el("h3", T.adopters + " (" + detail.adopters.length + ")"));
      detail.adopters.forEach(function (a) {
        var box = el("div", null, { "class": "adopter" });
        box.appendChild(el("b", label(a.locality.label) + ": "));
        box.appendChild(el("span", a.local_name, { "class": "local-name" }));
        if (a.gloss) { box.appendChild(el("span", " (" + a.gloss + ")", { "class": "gloss" })); }
        var href = pageUrl("/localities/" + a.locality.id) + "#" + a.adoption;
        appendAll(box, longList(a.evidence, 2, function (ev) { return evidenceItem(ev, href); }, "evidence"));
        panel.appendChild(box);
      });
    } else if (detail && n.kind === "document") {
      panel.appendChild(el("h3", T.evidence + " (" + detail.evidence.length + ")"));
      appendAll(panel, longList(detail.evidence, 10, function (ev) { return evidenceItem(ev, null); }, "evidence"));
    }
    var neighbours = (all.adj[n.id] || []).slice().sort(function (a, b) { return label(all.byId[a]).localeCompare(label(all.byId[b])); });
    panel.appendChild(el("h3", T.neighbours + " (" + neighbours.length + ")"));
    appendAll(panel, longList(neighbours, 40, function (m) {
      var li = el("li");
      li.appendChild(nodeButton(m));
      var names = all.edgeNames[n.id + "|" + m] || all.edgeNames[m + "|" + n.id];
      if (names && names.length) { li.appendChild(el("span", " — " + names.join(" / "), { "class": "gloss" })); }
      return li;
    }, "neighbours"));
    if (focusInside) { heading.focus({ preventScroll: false }); }
    window.zhiliPanelMs = performance.now() - started;
    app.dataset.panelNode = n.id;
    // When the frame showing this panel is produced (benchmarks time a click up to here).
    requestAnimationFrame(function () {
      window.zhiliPanelFrame = { node: n.id, detail: !!detail, at: performance.now() };
      if (relabelAfterPanel && (detail || state.synthetic)) { relabelAfterPanel = false; setTimeout(relabel, 0); }
    });
  }

  // On wide screens the panel covers the right of the canvas: centre the node in what stays
  // visible, or (a clicked node) move the view only if the panel now hides it.
  function keepClearOfPanel(id, centre) {
    var rect = document.getElementById("network").getBoundingClientRect();
    var covered = window.matchMedia("(min-width: 901px)").matches && !panel.hidden ? panel.getBoundingClientRect().width + 16 : 0;
    var scale = network.getScale(), at = network.getPositions([id])[id], view = network.getViewPosition();
    if (centre) {
      network.moveTo({ position: { x: at.x + covered / 2 / scale, y: at.y }, scale: scale, animation: false });
      return;
    }
    var x = network.canvasToDOM(at).x, limit = rect.width - covered - 40;
    if (covered && x > limit) {
      network.moveTo({ position: { x: view.x + (x - limit) / scale, y: view.y }, scale: scale, animation: false });
    }
  }

  var detailCache = {};
  var relabelAfterPanel = false;
  function showDetails(id, takeFocus) {
    var n = all.byId[id];
    if (!n) { return; }
    var started = performance.now();
    if (state.synthetic) { renderPanel(n, null, started, takeFocus); return; }
    var api = { locality: "/api/localities/", mechanism: "/api/mechanisms/", document: "/api/documents/" }[n.kind] + encodeURIComponent(n.ref);
    if (detailCache[api]) { renderPanel(n, detailCache[api], started, takeFocus); return; }
    renderPanel(n, null, started, takeFocus);
    fetch(api).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      detailCache[api] = data;
      if (panel.dataset.node === id && data) { renderPanel(n, data, started, false); }
      if (!data) { relabelAfterPanel = false; relabel(); }
    });
  }

  // Select a node: show it (and centre it when asked), open its panel, label its neighbours.
  function selectNode(id, centre, takeFocus) {
    if (!all.byId[id]) { return; }
    state.select = id;
    if (all.byId[id].hiddenNow) { refresh(true); }   // a full visibility pass only when the node was hidden
    network.selectNodes([id]);
    showDetails(id, takeFocus);
    keepClearOfPanel(id, centre);
    syncUrl();
    relabelAfterPanel = true;   // labels follow once the panel is on screen: the panel does not wait for them
  }

  // ---------------------------------------------------------------- search
  // Every node by its zh and en names; mechanisms also by every local name, gloss and related
  // term a locality uses for them. The user picks from the list: nothing is selected silently.
  function buildIndex() {
    all.nodes.forEach(function (n) {
      all.index.push({ id: n.id, text: n.zh, lower: n.zh.toLowerCase(), own: true });
      if (n.en !== n.zh) { all.index.push({ id: n.id, text: n.en, lower: n.en.toLowerCase(), own: true }); }
      (n.aka || []).forEach(function (pair) {
        all.index.push({ id: n.id, text: pair[0], lower: pair[0].toLowerCase(), own: false, where: pair[1] });
      });
    });
  }
  function search(q) {
    var best = {};
    all.index.forEach(function (entry) {
      var at = entry.lower.indexOf(q);
      if (at < 0) { return; }
      var rank = (entry.own ? 0 : 3) + (entry.lower === q ? 0 : at === 0 ? 1 : 2);
      if (!best[entry.id] || rank < best[entry.id].rank) { best[entry.id] = { rank: rank, entry: entry }; }
    });
    return Object.keys(best).map(function (id) { return best[id]; }).sort(function (a, b) {
      var na = all.byId[a.entry.id], nb = all.byId[b.entry.id];
      return a.rank - b.rank || (na.kind === "locality" ? -1 : 0) - (nb.kind === "locality" ? -1 : 0) ||
        label(na).localeCompare(label(nb));
    });
  }

  function setupSearch() {
    var input = document.getElementById("search");
    var results = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    var active = -1;
    function options() { return Array.from(results.querySelectorAll("[role=option]")); }
    function close() {
      results.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function setActive(i) {
      var opts = options();
      if (!opts.length) { return; }
      active = (i + opts.length) % opts.length;
      opts.forEach(function (o, k) { o.setAttribute("aria-selected", k === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    }
    function choose(id) {
      close();
      status.textContent = label(all.byId[id]);
      if (state.view === "tiers") { state.view = "network"; showView(); }
      selectNode(id, true, true);
    }
    function show() {
      var q = input.value.trim().toLowerCase();
      results.replaceChildren();
      if (!q) { close(); status.textContent = ""; return; }
      var hits = search(q);
      if (!hits.length) { close(); status.textContent = T.search_none + " “" + input.value.trim() + "”"; return; }
      hits.slice(0, 50).forEach(function (hit, i) {
        var n = all.byId[hit.entry.id];
        var li = el("li", null, { role: "option", id: "search-opt-" + i, "aria-selected": "false", "data-node": n.id });
        li.appendChild(el("span", label(n), { "class": "opt-name" }));
        var meta = T[n.kind];
        if (!hit.entry.own) {
          var where = all.byId["locality:" + hit.entry.where];
          meta += " · " + T.search_via + " “" + hit.entry.text + "”" + (where ? " (" + label(where) + ")" : "");
        } else if (label(n) !== hit.entry.text) {
          meta += " · " + hit.entry.text;
        }
        li.appendChild(el("span", meta, { "class": "opt-meta" }));
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { choose(n.id); });
        results.appendChild(li);
      });
      results.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      status.textContent = hits.length + " " + T.search_count;
    }
    var timer = null;
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(show, 80); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (results.hidden) { show(); }
        setActive(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        event.preventDefault();
        clearTimeout(timer);
        if (!results.hidden && active >= 0) { choose(options()[active].dataset.node); } else { show(); }
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    document.getElementById("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      show();
      input.focus();
    });
  }

  // ---------------------------------------------------------------- controls
  function checkbox(container, value, text, checked, onChange, extra) {
    var lab = el("label");
    var box = el("input", null, Object.assign({ type: "checkbox", value: value }, extra || {}));
    box.checked = checked;
    box.addEventListener("change", function () { onChange(box.checked, value); });
    lab.appendChild(box);
    lab.appendChild(document.createTextNode(" " + text));
    container.appendChild(lab);
    return box;
  }

  function buildControls(data) {
    var types = document.getElementById("types");
    ["locality", "mechanism", "document"].forEach(function (kind) {
      checkbox(types, kind, T[kind], state.types.has(kind), function (on) {
        if (on) { state.types.add(kind); } else { state.types.delete(kind); }
        refresh();
      }, { name: "type" });
    });
    var locs = document.getElementById("localities");
    var cmp = document.getElementById("compare-list");
    (data.localities || []).forEach(function (l) {
      checkbox(locs, l.id, label(l), state.view === "tiers" ? state.tierLocs.indexOf(l.id) >= 0 : state.locs.has(l.id), function (on) {
        if (state.view === "tiers") {
          state.tierLocs = state.tierLocs.filter(function (x) { return x !== l.id; });
          if (on) { state.tierLocs.push(l.id); }
          renderTiers();
        } else {
          if (on) { state.locs.add(l.id); } else { state.locs.delete(l.id); }
          refresh();
        }
      }, { name: "loc" });
      checkbox(cmp, l.id, label(l), state.compare.indexOf(l.id) >= 0, function (on) {
        state.compare = state.compare.filter(function (x) { return x !== l.id; });
        if (on) { state.compare.push(l.id); }
        refresh();
      }, { name: "compare" });
    });
    var cats = document.getElementById("categories");
    (data.categories || []).forEach(function (c) {
      var box = checkbox(cats, c.id, label(c), state.cats.has(c.id), function (on) {
        if (on) { state.cats.add(c.id); } else { state.cats.delete(c.id); }
        refresh();
      }, { name: "cat" });
      box.parentNode.style.borderLeftColor = c.color;
      box.parentNode.classList.add("cat-label");
    });
    setupSearch();
    document.getElementById("fit-button").addEventListener("click", function () { fitVisible(); relabel(); });
    document.getElementById("tier-link").addEventListener("click", function (event) {
      event.preventDefault();
      state.view = "tiers";
      if (!state.tierLocs.length) { state.tierLocs = state.compare.length ? state.compare.slice() : []; }
      showView();
    });
    document.getElementById("network-link").addEventListener("click", function (event) {
      event.preventDefault();
      state.view = "network";
      showView();
    });
  }

  // The text version of the graph: every locality and every mechanism (by category) as a button.
  function buildNodeList(data) {
    var body = document.getElementById("node-list-body");
    if (body.childElementCount) { return; }
    var groups = [[T.localities, all.nodes.filter(function (n) { return n.kind === "locality"; })]];
    (data.categories || []).forEach(function (c) {
      groups.push([label(c), all.nodes.filter(function (n) { return n.kind === "mechanism" && n.category === c.id; })]);
    });
    var other = all.nodes.filter(function (n) { return n.kind === "mechanism" && !(data.categories || []).some(function (c) { return c.id === n.category; }); });
    if (other.length) { groups.push([T.mechanism, other]); }
    groups.push([T.document, all.nodes.filter(function (n) { return n.kind === "document"; })]);
    groups.forEach(function (g) {
      if (!g[1].length) { return; }
      var section = el("section", null, { "class": "node-group" });
      section.appendChild(el("h3", g[0] + " (" + g[1].length + ")"));
      var ul = el("ul");
      g[1].slice().sort(function (a, b) { return label(a).localeCompare(label(b)); }).forEach(function (n) {
        var li = el("li");
        li.appendChild(nodeButton(n.id));
        if (label(n) !== n.en) { li.appendChild(el("span", " " + n.en, { "class": "en" })); }
        li.appendChild(el("span", " · " + n.degree, { "class": "hint", title: T.neighbours }));
        ul.appendChild(li);
      });
      section.appendChild(ul);
      body.appendChild(section);
    });
  }

  // ---------------------------------------------------------------- tier view
  // One table: a column per chain, a row per rank, so the same rank lines up across localities;
  // each box links to its evidence. Localities without a chain say so.
  function renderTiers() {
    var body = document.getElementById("tiers-body");
    var ids = state.tierLocs.length ? state.tierLocs : (all.localityIds || []);
    syncUrl();
    Promise.all(ids.map(function (id) {
      return fetch("/api/localities/" + encodeURIComponent(id)).then(function (r) { return r.ok ? r.json() : null; });
    })).then(function (locs) {
      body.replaceChildren();
      locs = locs.filter(Boolean);
      var chains = [], missing = [];
      locs.forEach(function (loc) {
        if (!loc.tier_chains.length) { missing.push(loc); }
        loc.tier_chains.forEach(function (chain) { chains.push([loc, chain]); });
      });
      var depth = Math.max.apply(null, [0].concat(chains.map(function (c) { return Math.max.apply(null, c[1].tiers.map(function (t) { return t.rank; })); })));
      var table = el("table", null, { "class": "tier-table" });
      table.appendChild(el("caption", T.tiers_caption));
      var head = el("tr");
      head.appendChild(el("th", T.rank, { scope: "col", "class": "rank-col" }));
      chains.forEach(function (pair) {
        var th = el("th", null, { scope: "col", "class": "tier-head", "data-locality": pair[0].id, "data-chain": pair[1].id });
        th.appendChild(el("a", label(pair[0].label), { href: pageUrl("/localities/" + pair[0].id) }));
        th.appendChild(el("span", label(pair[1].label), { "class": "chain-name" }));
        head.appendChild(th);
      });
      table.appendChild(el("thead")).appendChild(head);
      var tbody = el("tbody");
      for (var rank = 1; rank <= depth; rank++) {
        var tr = el("tr", null, { "data-rank": String(rank) });
        tr.appendChild(el("th", zh ? "第" + rank + T.rank : T.rank + " " + rank, { scope: "row", "class": "rank-col" }));
        chains.forEach(function (pair) {
          var td = el("td");
          var tier = pair[1].tiers.filter(function (t) { return t.rank === rank; })[0];
          if (tier) {
            var box = el("div", null, { "class": "tier-box", "data-rank": String(rank), "data-locality": pair[0].id });
            box.appendChild(el("b", tier.local_name, { lang: "zh" }));  // printed names and quotes are Chinese
            if (label(tier.label) !== tier.local_name) { box.appendChild(el("span", label(tier.label), { "class": "tier-label" })); }
            if (tier.org_type && label(tier.org_type) !== label(tier.label)) { box.appendChild(el("span", label(tier.org_type), { "class": "hint" })); }
            var counts = tier.counts.map(function (f) { return f.printed; }).join(", ");
            if (counts) {
              var count = el("span", T.counts + ": ", { "class": "count" });
              count.appendChild(el("span", counts, { lang: "zh" }));
              box.appendChild(count);
            }
            tier.evidence.forEach(function (ev) {
              var a = el("a", "「" + ev.exact + "」", { href: ev.reader, "class": "ev-link", lang: "zh" });
              box.appendChild(a);
            });
            td.appendChild(box);
          }
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      }
      table.appendChild(tbody);
      missing.forEach(function (loc) {
        body.appendChild(el("p", label(loc.label) + T.colon + T.no_chain, { "class": "note no-chain", "data-locality": loc.id }));
      });
      if (chains.length) { body.appendChild(table); }
      app.dataset.tiersReady = String(chains.length);
    });
  }

  function showView() {
    var tiers = state.view === "tiers";
    document.getElementById("network").hidden = tiers;
    document.querySelector(".canvas-tools").hidden = tiers;
    document.getElementById("tiers").hidden = !tiers;
    app.classList.toggle("tiers-mode", tiers);
    document.querySelectorAll("#localities input").forEach(function (box) {
      box.checked = tiers ? state.tierLocs.indexOf(box.value) >= 0 : state.locs.has(box.value);
    });
    if (tiers) { renderTiers(); } else { refresh(); }
  }

  // ---------------------------------------------------------------- load
  var source = "/api/graph" + (state.synthetic ? "?synthetic=" + encodeURIComponent(state.synthetic) : "");
  fetch(source).then(function (r) { return r.json(); }).then(function (data) {
    data.nodes.forEach(function (n) {
      n.baseColor = n.color;
      prepareLabel(n);
      n.label = "";
      n.title = n.zh + " · " + n.en;   // vis-network shows string titles as text
      n.hiddenNow = n.hidden;
      all.byId[n.id] = n;
      all.adj[n.id] = [];
    });
    data.edges.forEach(function (e) {
      all.adj[e.from].push(e.to);
      all.adj[e.to].push(e.from);
      all.edgeNames[e.from + "|" + e.to] = e.names;
      all.edgeRestated[e.from + "|" + e.to] = all.edgeRestated[e.to + "|" + e.from] = !!e.restated;
      if (e.names && e.names.length) { e.title = e.names.join(" / "); }
    });
    all.nodes = data.nodes;
    all.edges = data.edges;
    all.localityIds = (data.localities || []).map(function (l) { return l.id; });
    buildIndex();
    buildControls(data);
    if (state.view === "network") { refresh(); }   // visibility, view and labels, into the data
    nodes.add(data.nodes);
    edges.add(data.edges);
    var container = document.getElementById("network");
    container.tabIndex = 0;
    network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
    if (initialView) { network.moveTo(initialView); }
    window.zhiliNetwork = network;
    window.zhiliGraph = { nodes: nodes, edges: edges, state: state, all: all, relabel: relabel };
    network.on("click", function (event) {
      if (event.nodes.length) { selectNode(event.nodes[0], false, false); }
    });
    network.on("doubleClick", function (event) {
      if (!event.nodes.length) { return; }
      var id = event.nodes[0];
      var hiddenNeighbour = (all.adj[id] || []).some(function (m) { return all.byId[m].hiddenNow; });
      if (state.expanded.has(id)) { state.expanded.delete(id); }
      else if (state.collapsed.has(id)) { state.collapsed.delete(id); }
      else if (hiddenNeighbour) { state.expanded.add(id); }
      else { state.collapsed.add(id); }
      refresh(true);
    });
    network.on("zoom", relabelSoon);
    network.on("dragEnd", relabelSoon);
    // vis-network's tooltip can outlive the hover (a fast exit from the canvas): hide it on every way out
    function hideTooltip() { container.querySelectorAll(".vis-tooltip").forEach(function (t) { t.style.visibility = "hidden"; }); }
    network.on("blurNode", hideTooltip);
    network.on("blurEdge", hideTooltip);
    network.on("dragStart", hideTooltip);
    network.on("zoom", hideTooltip);
    container.addEventListener("mouseleave", hideTooltip);
    network.once("afterDrawing", function () {
      window.zhiliGraphReady = performance.now();
      app.dataset.ready = "1";
    });
    var list = document.getElementById("node-list");
    list.addEventListener("toggle", function () { if (list.open) { buildNodeList(data); } });
    if (list.open) { buildNodeList(data); }
    showView();
    if (state.select && all.byId[state.select] && state.view === "network") { selectNode(state.select, true, false); }
  });
})();
