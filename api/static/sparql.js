// The query page: YASGUI from /static/vendor, our endpoint, no autocompleter that calls
// external services, an example gallery, permalinks, and zh/en labels in results.
(function () {
  "use strict";
  var el = document.getElementById("yasgui");
  if (!el || !window.Yasgui) { return; }
  var config = JSON.parse(el.dataset.config);
  var S = JSON.parse(el.dataset.strings || "{}");  // UI strings in the page language (api/strings/sparql_page.json)
  var ID = "https://w3id.org/zhili/id/";
  var labels = {};
  var lang = (document.querySelector('input[name="labels"]:checked') || {}).value || "en";

  // The server names its endpoint by ZHILI_PUBLIC_URL; a page reached under another name may only connect to
  // its own origin (CSP connect-src 'self'), so it keeps the endpoint's path on this page's origin.
  var endpoint = config.endpoint;
  try {
    var named = new URL(config.endpoint, window.location.href);
    if (named.origin !== window.location.origin) { endpoint = window.location.origin + named.pathname; }
  } catch (e) { endpoint = window.location.origin + "/sparql"; }

  // Result cells, escaped. YASR's table plugin (vendored, minified; @zazuko/yasgui 4.6.2) writes an IRI into
  // href='…' unescaped and passes raw values through DOMPurify, so a value such as
  // <http://x/'/onmouseover='alert(1)> or "<img src=x onerror=alert(1)>" builds elements with inline event
  // handlers (DOMPurify strips them and the CSP would block them, but the browser reports a CSP violation).
  // These replacements build every cell from escaped text instead. Re-check them when updating YASGUI.
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function termText(term) {  // plain text of a binding, for searching and sorting
    if (term.type === "triple" && term.value && typeof term.value === "object") {
      return "<<( " + ["subject", "predicate", "object"].map(function (k) { return termText(term.value[k] || {}); })
        .join(" ") + " )>>";
    }
    return term.value == null ? "" : String(term.value);
  }
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var NUMERIC = ["integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"];
  function isNumeric(term) {
    return !!term && term.type !== "uri" && !!term.datatype && term.datatype.indexOf(XSD) === 0 &&
      NUMERIC.indexOf(term.datatype.slice(XSD.length)) >= 0 && isFinite(Number(term.value));
  }
  function scriptLang(text) {  // "zh" for text in Chinese characters, "en" for Latin letters only, else ""
    text = String(text == null ? "" : text);
    if (/[\u3400-\u9fff]/.test(text)) { return "zh"; }
    return /[A-Za-z]{2,}/.test(text) ? "en" : "";
  }
  function shortIri(iri) { return iri.indexOf(XSD) === 0 ? "xsd:" + iri.slice(XSD.length) : iri; }
  var Table = window.Yasr && window.Yasr.plugins && window.Yasr.plugins.table;
  if (Table) {
    Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
      var iri = String(binding.value), shown = iri, prefixed = false;
      for (var prefix in (prefixes || {})) {
        if (prefixes[prefix] && iri.indexOf(prefixes[prefix]) === 0) {
          shown = prefix + ":" + iri.slice(prefixes[prefix].length);
          prefixed = true;
          break;
        }
      }
      var link = /^https?:\/\//i.test(iri)
        ? "<a class='iri' href='" + escapeHtml(iri) + "' target='_blank' rel='noopener noreferrer'>" + escapeHtml(shown) + "</a>"
        : "<span class='iri'>" + escapeHtml(shown) + "</span>";
      return prefixed || this.persistentConfig.compact ? link : "&lt;" + link + "&gt;";
    };
    Table.prototype.formatLiteral = function (binding, prefixes) {
      var text = escapeHtml(binding.value == null ? "" : binding.value);
      if (this.persistentConfig.compact) { return text; }
      if (binding["xml:lang"]) {  // marked with its language, so the page's zh/en check and screen readers know it
        var tag = escapeHtml(binding["xml:lang"]);
        return '<span lang="' + tag + '">"' + text + '"</span><sup><code>@' + tag + "</code></sup>";
      }
      if (binding.datatype && isNumeric(binding)) {  // the number itself; the datatype stays in the tooltip
        return "<span class='num' title='" + escapeHtml(shortIri(binding.datatype)) + "'>" + text + "</span>";
      }
      if (binding.datatype) {
        return '"' + text + '"<sup>^^' + this.getUriLinkFromBinding({ type: "uri", value: binding.datatype }, prefixes) + "</sup>";
      }
      var script = scriptLang(binding.value);  // an untagged string: its script says Chinese or not
      return script ? '<span lang="' + script + '">' + text + "</span>" : text;
    };
    Table.prototype.termHtml = function (term, prefixes) {
      if (term.type === "uri") { return this.getUriLinkFromBinding(term, prefixes); }
      if (term.type === "triple" && term.value && typeof term.value === "object") {
        var self = this;
        return "&lt;&lt;( " + ["subject", "predicate", "object"].map(function (k) {
          return self.termHtml(term.value[k] || {}, prefixes);
        }).join(" ") + " )&gt;&gt;";
      }
      return this.formatLiteral(term, prefixes);
    };
    Table.prototype.getCellContent = function (binding, prefixes) {
      var html = this.termHtml(binding, prefixes);
      return "<div>" + (binding.type === "uri" ? "<span>" + html + "</span>" : "<span class='nonIri'>" + html + "</span>") + "</div>";
    };
    var columns = Table.prototype.getColumns;
    Table.prototype.getColumns = function () {
      return columns.call(this).map(function (column, index) {
        if (index > 0 && typeof column.title === "string" && column.title.indexOf("<code") < 0) {
          column.title = "<code class='zl-var'>" + column.title + "</code>";  // a variable name is code, not a word
        }
        if (index === 0 || typeof column.render !== "function") { return column; }
        var draw = column.render;  // draws a cell with getCellContent above
        column.render = function (value, type, row, meta) {
          if (!value || typeof value !== "object") { return draw(value, type, row, meta); }
          if (type === "sort") { return termText(value); }
          if (type === "filter" || !type) { return escapeHtml(termText(value)); }  // DataTables may parse these as HTML
          return draw(value, type, row, meta);
        };
        return column;
      });
    };
  }

  // DataTables' own sentences under the table, in the page language (its placeholders are _START_ etc.).
  if (Table && Table.defaults && Table.defaults.tableConfig) {
    var words = Table.defaults.tableConfig.language = Table.defaults.tableConfig.language || {};
    words.info = S.sparql_dt_info; words.infoEmpty = S.sparql_dt_info_empty; words.infoFiltered = S.sparql_dt_filtered;
    words.emptyTable = S.sparql_dt_empty; words.zeroRecords = S.sparql_dt_no_match;
  }

  // Result views beyond the table: a bar chart (ECharts 5, vendored) and a count of rows per value.
  function termLabel(term) {  // what a chart shows for a value: its zh/en label, a prefixed name, or the text
    if (!term) { return ""; }
    if (term.type === "uri") {
      var entry = labels[term.value];
      if (entry) { return entry[lang] || entry.zh || entry.en; }
      for (var prefix in config.prefixes) {
        var ns = config.prefixes[prefix];
        if (ns && term.value.indexOf(ns) === 0) { return prefix + ":" + term.value.slice(ns.length); }
      }
    }
    return termText(term);
  }
  function termLang(term) {  // the language termLabel's text is in: a label's, a literal's tag, or its script
    if (!term) { return ""; }
    if (term.type === "uri") {
      var entry = labels[term.value];
      if (entry) { return entry[lang] ? lang : entry.zh ? "zh" : "en"; }
      return "";
    }
    return term["xml:lang"] || scriptLang(term.value);
  }
  function columnsOf(results) {  // {labels: [...non-numeric vars], numbers: [...numeric vars]}
    var vars = (results && results.getVariables && results.getVariables()) || [];
    var rows = (results && results.getBindings && results.getBindings()) || [];
    var numbers = [], others = [];
    vars.forEach(function (v) {
      var bound = rows.filter(function (r) { return r[v]; });
      if (bound.length && bound.every(function (r) { return isNumeric(r[v]); })) { numbers.push(v); } else { others.push(v); }
    });
    return { vars: vars, rows: rows, numbers: numbers, labels: others };
  }
  function icon(paths) {  // a small SVG icon for the view's button, built without innerHTML
    var NS = "http://www.w3.org/2000/svg", svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("aria-hidden", "true");
    paths.forEach(function (d) {
      var rect = document.createElementNS(NS, "rect");
      rect.setAttribute("x", d[0]); rect.setAttribute("y", d[1]); rect.setAttribute("width", d[2]); rect.setAttribute("height", d[3]);
      rect.setAttribute("fill", "currentColor");
      svg.appendChild(rect);
    });
    var div = document.createElement("div");
    div.className = "svgImg";
    div.appendChild(svg);
    return div;
  }
  function select(labelText, options, chosen, onChange) {
    var label = document.createElement("label"), box = document.createElement("select");
    box.className = "zl-var";
    box.setAttribute("lang", "zxx");  // its options are variable names: no language
    label.textContent = labelText + " ";
    options.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name; option.textContent = "?" + name; option.selected = name === chosen;
      box.appendChild(option);
    });
    box.addEventListener("change", function () { onChange(box.value); });
    label.appendChild(box);
    return label;
  }
  var PALETTE = ["#b3261e", "#2f6f9f", "#d9902f", "#4d8b55", "#7a5aa6", "#8c6d52", "#c25f93", "#5c6b73"];

  function ChartPlugin(yasr) {
    this.yasr = yasr;
    this.label = S.sparql_chart || "Chart";
    this.priority = 2;  // below the table: never chosen by itself unless the table cannot show the result
    this.chart = null;
    this.state = { label: null, values: null };
  }
  ChartPlugin.prototype.canHandleResults = function () {
    var c = columnsOf(this.yasr.results);
    return !!window.echarts && c.rows.length > 0 && c.numbers.length > 0 && c.labels.length > 0;
  };
  ChartPlugin.prototype.getIcon = function () { return icon([[1, 8, 3, 7], [6, 3, 3, 12], [11, 6, 3, 9]]); };
  ChartPlugin.prototype.destroy = function () {
    if (this.chart) { this.chart.dispose(); this.chart = null; }
    if (this.onResize) { window.removeEventListener("resize", this.onResize); this.onResize = null; }
  };
  ChartPlugin.prototype.draw = function () {
    var self = this, c = columnsOf(this.yasr.results);
    this.destroy();
    this.yasr.resultsEl.textContent = "";  // a redraw after a control changed
    if (c.labels.indexOf(this.state.label) < 0) { this.state.label = c.labels[0]; }
    var values = (this.state.values || []).filter(function (v) { return c.numbers.indexOf(v) >= 0; });
    if (!values.length) { values = c.numbers.slice(); }
    this.state.values = values;

    var controls = document.createElement("div");
    controls.className = "sparql-chart-controls";
    controls.appendChild(select(S.sparql_chart_label || "Label column", c.labels, this.state.label, function (v) {
      self.state.label = v; self.draw();
    }));
    var set = document.createElement("fieldset"), legend = document.createElement("legend");
    legend.className = "visually-hidden";
    legend.textContent = S.sparql_chart_values || "Value columns";
    set.appendChild(legend);
    var caption = document.createElement("span");
    caption.textContent = (S.sparql_chart_values || "Value columns") + ":";
    caption.setAttribute("aria-hidden", "true");
    set.appendChild(caption);
    c.numbers.forEach(function (name) {
      var label = document.createElement("label"), box = document.createElement("input");
      box.type = "checkbox"; box.value = name; box.checked = values.indexOf(name) >= 0;
      box.addEventListener("change", function () {
        var now = Array.prototype.filter.call(set.querySelectorAll("input:checked"), function () { return true; })
          .map(function (b) { return b.value; });
        if (!now.length) { box.checked = true; return; }  // keep at least one series
        self.state.values = now; self.draw();
      });
      label.appendChild(box);
      var code = document.createElement("code");
      code.className = "zl-var"; code.textContent = "?" + name;
      label.appendChild(document.createTextNode(" "));
      label.appendChild(code);
      set.appendChild(label);
    });
    controls.appendChild(set);
    this.yasr.resultsEl.appendChild(controls);

    var names = c.rows.map(function (r) { return termLabel(r[self.state.label]); });
    var box = document.createElement("div");
    box.className = "sparql-chart";
    box.setAttribute("role", "img");
    box.setAttribute("aria-label", (S.sparql_chart || "Chart") + ": " + values.map(function (v) { return "?" + v; }).join(", ") +
      " / ?" + this.state.label);
    var perRow = Math.max(18, 12 * values.length + 8);
    box.style.height = Math.max(260, Math.min(4000, names.length * perRow + 90)) + "px";
    this.yasr.resultsEl.appendChild(box);
    this.chart = window.echarts.init(box, null, { renderer: "svg" });
    this.chart.setOption({
      animation: false,
      color: PALETTE,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { show: values.length > 1, top: 0 },
      grid: { left: 8, right: 48, top: values.length > 1 ? 30 : 10, bottom: 10, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return Number(v).toLocaleString(); } } },
      yAxis: { type: "category", inverse: true, data: names,
        axisLabel: { width: 220, overflow: "truncate", interval: 0 } },
      series: values.map(function (v) {
        return { name: "?" + v, type: "bar", label: { show: true, position: "right", formatter: function (p) { return Number(p.value).toLocaleString(); } },
          data: c.rows.map(function (r) { return r[v] ? Number(r[v].value) : null; }) };
      })
    });
    this.onResize = function () { if (self.chart) { self.chart.resize(); } };
    window.addEventListener("resize", this.onResize);
  };

  function CountPlugin(yasr) {  // a pivot in one dimension: how many rows carry each value of a column
    this.yasr = yasr;
    this.label = S.sparql_counts || "Counts";
    this.priority = 1;
    this.column = null;
  }
  CountPlugin.prototype.canHandleResults = function () {
    var c = columnsOf(this.yasr.results);
    return c.rows.length > 0 && c.vars.length > 0;
  };
  CountPlugin.prototype.getIcon = function () { return icon([[1, 2, 14, 3], [1, 7, 9, 3], [1, 12, 5, 3]]); };
  CountPlugin.prototype.draw = function () {
    var self = this, c = columnsOf(this.yasr.results);
    if (c.vars.indexOf(this.column) < 0) { this.column = c.labels[0] || c.vars[0]; }
    var controls = document.createElement("div");
    controls.className = "sparql-chart-controls";
    controls.appendChild(select(S.sparql_counts_column || "Count rows by", c.vars, this.column, function (v) {
      self.column = v; self.yasr.resultsEl.textContent = ""; self.draw();
    }));
    this.yasr.resultsEl.appendChild(controls);
    var counts = new Map(), langs = new Map();
    c.rows.forEach(function (r) {
      var key = r[self.column] ? termLabel(r[self.column]) : "—";
      counts.set(key, (counts.get(key) || 0) + 1);
      if (!langs.has(key)) { langs.set(key, termLang(r[self.column])); }
    });
    var table = document.createElement("table");
    table.className = "list sparql-counts";
    var head = table.createTHead().insertRow();
    var th = document.createElement("th"), name = document.createElement("code");
    name.className = "zl-var"; name.textContent = "?" + this.column;
    th.appendChild(name); head.appendChild(th);
    th = document.createElement("th"); th.textContent = S.sparql_counts_rows || "rows"; head.appendChild(th);
    var body = table.createTBody();
    Array.from(counts.entries()).sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); }).forEach(function (e) {
      var tr = body.insertRow();
      var cell = tr.insertCell();
      cell.textContent = e[0];
      if (langs.get(e[0])) { cell.lang = langs.get(e[0]); }
      var n = tr.insertCell(); n.textContent = String(e[1]); n.className = "num";
    });
    this.yasr.resultsEl.appendChild(table);
  };
  if (window.Yasr && window.Yasr.registerPlugin) {
    window.Yasr.registerPlugin("chart", ChartPlugin);
    window.Yasr.registerPlugin("counts", CountPlugin);
  }

  var yasgui = new window.Yasgui(el, {
    tabName: S.sparql_ui_query || "Query",
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    // lineWrapping: no sideways scrolling region in the editor (a phone could not reach it by keyboard)
    yasqe: { autocompleters: ["variables"], resizeable: true, editorHeight: "320px", lineWrapping: true },
    yasr: { prefixes: config.prefixes, pluginOrder: ["table", "chart", "counts", "response"] }
  });
  window.zhiliYasgui = yasgui;
  var tab = yasgui.getTab();
  tab.setQuery(config.query);

  // YASGUI's own inputs carry no labels; name each for assistive technology (re-run as YASGUI redraws).
  function labelInputs() {
    var named = [
      [".tabsList input[type='text'], .tab input[type='text']", S.sparql_aria_tab],
      [".controlbar input.autocomplete", S.sparql_aria_endpoint],
      [".CodeMirror textarea", S.sparql_aria_query],
      ["select.tableSizer", S.sparql_aria_page_size],
      ["input.tableFilter", S.sparql_aria_filter]
    ];
    named.forEach(function (pair) {
      el.querySelectorAll(pair[0]).forEach(function (input) {
        if (pair[1] && input.getAttribute("aria-label") !== pair[1]) { input.setAttribute("aria-label", pair[1]); }
      });
    });
    // The editor's scrolling box (CodeMirror sets tabindex=-1) scrolls a long query: keyboard users reach it too.
    el.querySelectorAll(".CodeMirror-scroll").forEach(function (box) {
      if (box.getAttribute("tabindex") !== "0") { box.setAttribute("tabindex", "0"); }
      if (S.sparql_aria_scroll && box.getAttribute("aria-label") !== S.sparql_aria_scroll) {
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", S.sparql_aria_scroll);
      }
    });
    el.querySelectorAll(".yasr_results").forEach(function (box) {  // scrolls sideways when the table is wide
      if (box.getAttribute("tabindex") !== "0") { box.setAttribute("tabindex", "0"); }
      if (S.sparql_aria_results && box.getAttribute("aria-label") !== S.sparql_aria_results) {
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", S.sparql_aria_results);
      }
    });
    el.querySelectorAll(".acceptWrapper select").forEach(function (box, i) {
      var name = i === 0 ? S.sparql_aria_accept_select : S.sparql_aria_accept_graph;
      if (name && box.getAttribute("aria-label") !== name) { box.setAttribute("aria-label", name); }
    });
  }
  // YASGUI's own words (vendored @zazuko/yasgui 4.6.2 has no i18n): its visible labels, titles and ARIA names
  // put into the page language through api/strings/sparql_page.json. Re-check these when updating YASGUI.
  var UI = {
    "Query": S.sparql_ui_query, "Table": S.sparql_ui_table, "Response": S.sparql_ui_response,
    "Add a new tab": S.sparql_ui_add_tab, "Add tab": S.sparql_ui_add_tab, "Close tab": S.sparql_ui_close_tab,
    "Open settings": S.sparql_ui_settings, "Run query": S.sparql_ui_run, "Share query": S.sparql_ui_share,
    "Download Results": S.sparql_ui_download, "Clear endpoint": S.sparql_ui_clear_endpoint,
    "Filter query results": S.sparql_aria_filter, "Simple view": S.sparql_ui_simple, "Ellipse": S.sparql_ui_ellipse, "Page size: ": S.sparql_ui_page_size
  };
  function fill(text, values) { return String(text).replace(/\{(\w+)\}/g, function (_, k) { return values[k]; }); }
  function say(text) {  // the page-language form of one of YASGUI's English texts, or null
    if (Object.prototype.hasOwnProperty.call(UI, text) && UI[text]) { return UI[text]; }
    var m = /^Shows (.+) view$/.exec(text);
    if (m && S.sparql_ui_show_view) { return fill(S.sparql_ui_show_view, { view: say(m[1]) || m[1] }); }
    m = /^View documentation of (.+)$/.exec(text);
    if (m && S.sparql_ui_docs) { return fill(S.sparql_ui_docs, { view: say(m[1]) || m[1] }); }
    m = /^(\d+) results? in ([\d.]+) seconds?$/.exec(text);
    if (m && S.sparql_ui_results) { return fill(m[1] === "1" ? S.sparql_ui_result_one : S.sparql_ui_results, { n: m[1], s: m[2] }); }
    m = /^(\d+) results?$/.exec(text);
    if (m && S.sparql_ui_rows) { return fill(S.sparql_ui_rows, { n: m[1] }); }
    m = /^Response in ([\d.]+) seconds?$/.exec(text);
    if (m && S.sparql_ui_response_time) { return fill(S.sparql_ui_response_time, { s: m[1] }); }
    return null;
  }
  function localize() {
    el.querySelectorAll(".tab > a > span, .yasr_btn > span, .switch > span.label, .pageSizerLabel, .yasr_response_chip")
      .forEach(function (node) {
        var text = node.textContent, said = text && say(text);
        if (said && said !== text && node.children.length === 0) { node.textContent = said; }
      });
    el.querySelectorAll("[aria-label], [title], [placeholder]").forEach(function (node) {
      ["aria-label", "title", "placeholder"].forEach(function (name) {
        var value = node.getAttribute(name), said = value && say(value);
        if (said && said !== value) { node.setAttribute(name, said); }
      });
    });
  }
  // ARIA: a tablist may hold only tabs, and YASGUI puts its "+" button inside one. That button is hidden
  // (sparql.css) and this one, next to the tab list, opens a tab through YASGUI's API instead.
  function tabBar() {
    var list = el.querySelector(".yasgui > .tabsList");
    if (!list || list.parentNode.classList.contains("zl-tabbar")) { return; }
    var bar = document.createElement("div"), add = document.createElement("button");
    bar.className = "zl-tabbar";
    add.type = "button"; add.className = "zl-add-tab"; add.textContent = "+";
    add.setAttribute("aria-label", S.sparql_ui_add_tab || "Add a new query tab");
    add.title = S.sparql_ui_add_tab || "Add a new query tab";
    add.addEventListener("click", function () { yasgui.addTab(true); });
    list.parentNode.insertBefore(bar, list);
    bar.appendChild(list);
    bar.appendChild(add);
  }
  function patch() { labelInputs(); localize(); tabBar(); }
  patch();
  new MutationObserver(patch).observe(el, { childList: true, subtree: true, characterData: true });

  // Put the query itself in view: fold the PREFIX block and scroll the editor to the first other line.
  function showQueryStart(current) {
    var yasqe = current.getYasqe && current.getYasqe();
    if (!yasqe) { return; }
    var line = 0, count = yasqe.lineCount();
    while (line < count && /^\s*(PREFIX|BASE)\b|^\s*$/i.test(yasqe.getLine(line))) { line++; }
    if (line >= count) { return; }
    try { if (yasqe.collapsePrefixes) { yasqe.collapsePrefixes(true); } } catch (e) { /* no prefixes to fold */ }
    yasqe.setCursor({ line: line, ch: 0 });
    yasqe.scrollTo(null, Math.max(0, yasqe.heightAtLine(line, "local") - yasqe.defaultTextHeight()));
  }
  showQueryStart(tab);

  function permalink(query) {
    var url = new URL(window.location.href);
    url.searchParams.set("query", query);
    window.history.replaceState(null, "", url.toString());
  }

  function labelResults() {
    var links = el.querySelectorAll(".yasr a[href^='" + ID + "'], .yasr a[data-iri]");
    links.forEach(function (a) {
      var iri = a.dataset.iri || a.getAttribute("href");
      a.dataset.iri = iri;
      a.setAttribute("href", "/id/" + iri.slice(ID.length));
      a.removeAttribute("target");
      var entry = labels[iri];
      if (!entry) { return; }
      var span = a.parentNode.querySelector(".zl-label");
      if (!span) { span = document.createElement("span"); span.className = "zl-label"; a.parentNode.appendChild(span); }
      span.textContent = " " + (entry[lang] || entry.zh || entry.en);   // text, never HTML
    });
  }
  function redrawChart() {  // chart and count views print labels: redraw them when labels arrive or the language changes
    var yasr = yasgui.getTab().getYasr && yasgui.getTab().getYasr();
    if (yasr && yasr.results && (yasr.drawnPlugin === "chart" || yasr.drawnPlugin === "counts")) { yasr.draw(); }
  }

  yasgui.on("query", function (_y, t) { permalink(t.getQuery()); });
  var scrollOnResults = false;
  yasgui.on("queryResponse", function () {
    setTimeout(function () {
      labelResults();
      if (scrollOnResults) { scrollOnResults = false; el.scrollIntoView(); }
    }, 0);
  });
  document.querySelectorAll('input[name="labels"]').forEach(function (radio) {
    radio.addEventListener("change", function () { lang = radio.value; labelResults(); redrawChart(); });
  });
  fetch("/api/labels").then(function (r) { return r.json(); }).then(function (data) { labels = data; labelResults(); redrawChart(); });

  document.querySelectorAll("#gallery a.example").forEach(function (a) {
    a.addEventListener("click", function (event) {
      event.preventDefault();
      var example = config.examples.find(function (e) { return e.slug === a.dataset.slug; });
      var current = yasgui.getTab();
      current.setQuery(example.query);
      permalink(example.query);
      showQueryStart(current);
      el.scrollIntoView();  // after the editor scrolled itself to its cursor
      scrollOnResults = true;  // again once the results make the page long enough to bring the editor to the top
      current.query();
    });
  });
})();
