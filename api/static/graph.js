// The graph view: localities, mechanisms and documents from /api/graph (laid out on the
// server, so no physics runs here), a details panel, expand/collapse, search, filters,
// compare mode and the tier view. Every string from the data is written as text
// (textContent or vis-network's canvas labels), never as HTML. The URL carries the state.
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
  var TEXT = {
    locality: zh ? "地方" : "Locality", mechanism: zh ? "机制" : "Mechanism", document: zh ? "政策文件" : "Policy document",
    neighbours: zh ? "相连节点" : "Linked to", evidence: zh ? "证据" : "Evidence", figures: zh ? "数据" : "Figures",
    page: zh ? "页面" : "page", reader: zh ? "原文" : "source", notFound: zh ? "未找到" : "no match for",
    adopters: zh ? "采用地方" : "Adopted by", category: zh ? "类别" : "Category"
  };

  var nodes = new vis.DataSet();
  var edges = new vis.DataSet();
  var all = { nodes: [], edges: [], byId: {}, adj: {}, edgeNames: {}, edgeRestated: {} };
  var network = null;
  var panel = document.getElementById("panel");

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
  // named overall formulas do not count; a concept is shared by all, by some (k of n) or by one.
  function compareStyle() {
    var chosen = state.compare.map(function (ref) { return "locality:" + ref; }).filter(function (id) { return all.byId[id]; });
    if (chosen.length < 2) { return null; }
    var style = {};
    all.nodes.forEach(function (n) {
      if (n.kind === "locality") {
        style[n.id] = chosen.indexOf(n.id) >= 0 ? { color: n.baseColor, borderWidth: 4 } : { color: "#e6e1d8" };
        return;
      }
      var adopters = n.excluded ? [] : chosen.filter(function (l) {
        return (all.adj[n.id] || []).indexOf(l) >= 0 && !all.edgeRestated[l + "|" + n.id];
      });
      if (n.kind === "mechanism" && adopters.length === chosen.length) {
        var names = adopters.map(function (l) { return (all.edgeNames[l + "|" + n.id] || []).slice().sort().join("/"); });
        var same = names.every(function (x) { return x === names[0]; });
        style[n.id] = { color: same ? "#2e7d32" : "#1565c0", cls: same ? "shared" : "variant" };
      } else if (n.kind === "mechanism" && adopters.length > 1) {
        style[n.id] = { color: "#6a1b9a", cls: "some" };
      } else if (n.kind === "mechanism" && adopters.length === 1) {
        style[n.id] = { color: "#ef6c00", cls: "unique" };
      } else {
        style[n.id] = { color: "#e6e1d8", cls: "other" };
      }
    });
    return style;
  }

  function refresh() {
    var visible = computeVisible();
    var style = compareStyle();
    document.getElementById("legend").hidden = !style;
    var updates = all.nodes.map(function (n) {
      var s = style ? style[n.id] : null;
      return { id: n.id, hidden: !visible[n.id], label: label(n), color: s ? s.color : n.baseColor,
               borderWidth: s && s.borderWidth ? s.borderWidth : 1, compare: s ? (s.cls || "") : "" };
    });
    nodes.update(updates);
    edges.update(all.edges.map(function (e) { return { id: e.id, hidden: !(visible[e.from] && visible[e.to]) }; }));
    app.dataset.visibleNodes = String(updates.filter(function (u) { return !u.hidden; }).length);
    syncUrl();
  }

  // ---------------------------------------------------------------- panel
  function evidenceList(items, pageUrl) {
    var ul = el("ul", null, { "class": "evidence" });
    items.forEach(function (ev) {
      var li = el("li");
      li.appendChild(el("q", ev.exact));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("a", TEXT.reader + " " + ev.source.slice(0, 3) + " [" + ev.start + "–" + ev.end + "]",
        { href: ev.reader + (zh ? "" : ""), "class": "ev-link" }));
      if (pageUrl) {
        li.appendChild(document.createTextNode(" · "));
        li.appendChild(el("a", TEXT.page, { href: pageUrl }));
      }
      ul.appendChild(li);
    });
    return ul;
  }

  function nodeButton(id) {
    var n = all.byId[id];
    var b = el("button", label(n), { type: "button", "class": "linklike", "data-node": id });
    b.addEventListener("click", function () { selectNode(id, true); });
    return b;
  }

  function pageUrl(path) { return path + (zh ? (path.indexOf("?") >= 0 ? "&" : "?") + "lang=zh" : ""); }

  function renderPanel(n, detail, started) {
    panel.replaceChildren();
    panel.hidden = false;
    panel.dataset.node = n.id;
    panel.appendChild(el("p", TEXT[n.kind], { "class": "meta" }));
    panel.appendChild(el("h2", n.zh));
    panel.appendChild(el("p", n.en, { "class": "en" }));
    if (n.kind !== "document" && !state.synthetic) {
      var path = n.kind === "locality" ? "/localities/" + n.ref : "/mechanisms/" + n.ref;
      panel.appendChild(el("p")).appendChild(el("a", TEXT.page + " →", { href: pageUrl(path), "class": "entity-link" }));
    } else if (n.kind === "document") {
      panel.appendChild(el("p")).appendChild(el("a", TEXT.page + " →", { href: pageUrl("/documents/" + n.ref), "class": "entity-link" }));
    }
    if (detail && n.kind === "locality") {
      panel.appendChild(el("p", label(detail.level) + " · " + label(detail.province), { "class": "meta" }));
      panel.appendChild(el("h3", TEXT.figures + " (" + detail.figures.length + ")"));
      var figs = el("ul");
      detail.figures.slice(0, 12).forEach(function (f) { figs.appendChild(el("li", label(f.label) + ": " + f.printed)); });
      panel.appendChild(figs);
      var quotes = [];
      detail.mechanisms_by_category.forEach(function (g) {
        g.adoptions.forEach(function (a) { if (a.evidence[0]) { quotes.push([a, a.evidence[0]]); } });
      });
      panel.appendChild(el("h3", TEXT.evidence + " (" + quotes.length + ")"));
      var ul = el("ul", null, { "class": "evidence" });
      quotes.slice(0, 15).forEach(function (pair) {
        var li = el("li");
        li.appendChild(el("b", pair[0].local_name));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("q", pair[1].exact));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("a", TEXT.reader, { href: pair[1].reader, "class": "ev-link" }));
        li.appendChild(document.createTextNode(" · "));
        li.appendChild(el("a", TEXT.page, { href: pageUrl("/localities/" + n.ref) + "#" + pair[0].id }));
        ul.appendChild(li);
      });
      panel.appendChild(ul);
    } else if (detail && n.kind === "mechanism") {
      panel.appendChild(el("p", TEXT.category + ": " + label(detail.category.label), { "class": "meta" }));
      panel.appendChild(el("p", detail.definition, { "class": "def" }));
      panel.appendChild(el("h3", TEXT.adopters + " (" + detail.adopters.length + ")"));
      detail.adopters.forEach(function (a) {
        var box = el("div", null, { "class": "adopter" });
        box.appendChild(el("b", label(a.locality.label) + ": "));
        box.appendChild(el("span", a.local_name, { "class": "local-name" }));
        box.appendChild(evidenceList(a.evidence.slice(0, 2), pageUrl("/localities/" + a.locality.id) + "#" + a.adoption));
        panel.appendChild(box);
      });
    } else if (detail && n.kind === "document") {
      panel.appendChild(evidenceList(detail.evidence, null));
    }
    var neighbours = (all.adj[n.id] || []).slice().sort(function (a, b) { return label(all.byId[a]).localeCompare(label(all.byId[b])); });
    panel.appendChild(el("h3", TEXT.neighbours + " (" + neighbours.length + ")"));
    var nb = el("ul", null, { "class": "neighbours" });
    neighbours.slice(0, 200).forEach(function (m) {
      var li = el("li");
      li.appendChild(nodeButton(m));
      var names = all.edgeNames[n.id + "|" + m] || all.edgeNames[m + "|" + n.id];
      if (names && names.length) { li.appendChild(el("span", " — " + names.join(" / "), { "class": "gloss" })); }
      nb.appendChild(li);
    });
    panel.appendChild(nb);
    window.zhiliPanelMs = performance.now() - started;
    app.dataset.panelNode = n.id;
    // When the frame showing this panel is produced (benchmarks time a click up to here).
    requestAnimationFrame(function () {
      window.zhiliPanelFrame = { node: n.id, detail: !!detail, at: performance.now() };
    });
  }

  var detailCache = {};
  function showDetails(id) {
    var n = all.byId[id];
    if (!n) { return; }
    var started = performance.now();
    if (state.synthetic) { renderPanel(n, null, started); return; }
    var api = { locality: "/api/localities/", mechanism: "/api/mechanisms/", document: "/api/documents/" }[n.kind] + encodeURIComponent(n.ref);
    if (detailCache[api]) { renderPanel(n, detailCache[api], started); return; }
    renderPanel(n, null, started);
    fetch(api).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      detailCache[api] = data;
      if (panel.dataset.node === id) { renderPanel(n, data, started); }
    });
  }

  function selectNode(id, focus) {
    if (!all.byId[id]) { return; }
    state.select = id;
    if (nodes.get(id).hidden) { refresh(); }   // a full visibility pass only when the node was hidden
    network.selectNodes([id]);
    if (focus) { network.focus(id, { scale: 0.8, animation: false }); }
    showDetails(id);
    syncUrl();
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
      checkbox(types, kind, TEXT[kind], state.types.has(kind), function (on) {
        if (on) { state.types.add(kind); } else { state.types.delete(kind); }
        refresh();
      }, { name: "type" });
    });
    var locs = document.getElementById("localities");
    var cmp = document.getElementById("compare-list");
    (data.localities || []).forEach(function (l) {
      var isTier = state.view === "tiers";
      checkbox(locs, l.id, label(l), isTier ? state.tierLocs.indexOf(l.id) >= 0 : state.locs.has(l.id), function (on) {
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
      box.parentNode.style.borderLeft = "6px solid " + c.color;
      box.parentNode.style.paddingLeft = "4px";
    });
    document.getElementById("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var q = document.getElementById("search").value.trim().toLowerCase();
      var status = document.getElementById("search-status");
      if (!q) { return; }
      var hit = all.nodes.find(function (n) { return n.zh.toLowerCase() === q || n.en.toLowerCase() === q; }) ||
        all.nodes.find(function (n) { return n.zh.toLowerCase().indexOf(q) >= 0 || n.en.toLowerCase().indexOf(q) >= 0; });
      if (!hit) { status.textContent = TEXT.notFound + " “" + q + "”"; return; }
      status.textContent = label(hit);
      if (state.view === "tiers") { return; }
      selectNode(hit.id, true);
    });
    var tierLink = document.getElementById("tier-link");
    tierLink.addEventListener("click", function (event) {
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

  // ---------------------------------------------------------------- tier view
  function renderTiers() {
    var box = document.getElementById("tiers");
    box.replaceChildren();
    var ids = state.tierLocs.length ? state.tierLocs : (all.localityIds || []);
    syncUrl();
    var pending = ids.map(function (id) {
      return fetch("/api/localities/" + encodeURIComponent(id)).then(function (r) { return r.ok ? r.json() : null; });
    });
    Promise.all(pending).then(function (locs) {
      locs.filter(Boolean).forEach(function (loc) {
        loc.tier_chains.forEach(function (chain) {
          var col = el("div", null, { "class": "tier-col", "data-locality": loc.id, "data-chain": chain.id });
          col.appendChild(el("h3", label(loc.label) + " · " + label(chain.label)));
          var holder = el("div", null, { "class": "tier-net" });
          col.appendChild(holder);
          box.appendChild(col);
          var tn = chain.tiers.map(function (t) {
            var counts = t.counts.map(function (f) { return f.printed; }).join(", ");
            return { id: chain.id + ":" + t.rank, level: t.rank, shape: "box", color: "#fde3df",
                     label: t.rank + ". " + t.local_name + "\n" + t.label.en + (counts ? "\n[" + counts + "]" : "") };
          });
          var te = chain.tiers.slice(1).map(function (t) { return { from: chain.id + ":" + (t.rank - 1), to: chain.id + ":" + t.rank }; });
          new vis.Network(holder, { nodes: new vis.DataSet(tn), edges: new vis.DataSet(te) }, {
            layout: { hierarchical: { direction: "UD", sortMethod: "directed", levelSeparation: 90 } },
            physics: false, interaction: { dragNodes: false },
            nodes: { font: { face: "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif", multi: false } },
            edges: { arrows: "to", color: "#b3261e" }
          });
        });
      });
      app.dataset.tiersReady = String(box.querySelectorAll(".tier-col").length);
    });
  }

  function showView() {
    var tiers = state.view === "tiers";
    document.getElementById("network").hidden = tiers;
    document.getElementById("tiers").hidden = !tiers;
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
      n.label = label(n);
      n.title = n.zh + " · " + n.en;   // vis-network shows string titles as text
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
    nodes.add(data.nodes);
    edges.add(data.edges);
    buildControls(data);
    network = new vis.Network(document.getElementById("network"), { nodes: nodes, edges: edges }, data.options);
    window.zhiliNetwork = network;
    window.zhiliGraph = { nodes: nodes, edges: edges, state: state, all: all };
    network.on("click", function (event) {
      if (event.nodes.length) { selectNode(event.nodes[0], false); }
    });
    network.on("doubleClick", function (event) {
      if (!event.nodes.length) { return; }
      var id = event.nodes[0];
      var hiddenNeighbour = (all.adj[id] || []).some(function (m) { return nodes.get(m).hidden; });
      if (state.expanded.has(id)) { state.expanded.delete(id); }
      else if (state.collapsed.has(id)) { state.collapsed.delete(id); }
      else if (hiddenNeighbour) { state.expanded.add(id); }
      else { state.collapsed.add(id); }
      refresh();
    });
    network.once("afterDrawing", function () {
      window.zhiliGraphReady = performance.now();
      app.dataset.ready = "1";
    });
    showView();
    if (state.select && all.byId[state.select] && state.view === "network") { selectNode(state.select, true); }
  });
})();
