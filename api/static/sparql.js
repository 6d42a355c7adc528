// The query page: YASGUI from /static/vendor, our endpoint, no autocompleter that calls
// external services, an example gallery, permalinks, and zh/en labels in results.
(function () {
  "use strict";
  var el = document.getElementById("yasgui");
  if (!el || !window.Yasgui) { return; }
  var config = JSON.parse(el.dataset.config);
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
      if (binding["xml:lang"]) { return '"' + text + '"<sup>@' + escapeHtml(binding["xml:lang"]) + "</sup>"; }
      if (binding.datatype) {
        return '"' + text + '"<sup>^^' + this.getUriLinkFromBinding({ type: "uri", value: binding.datatype }, prefixes) + "</sup>";
      }
      return text;
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

  var yasgui = new window.Yasgui(el, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    yasqe: { autocompleters: ["variables"], resizeable: true, editorHeight: "320px" },
    yasr: { prefixes: config.prefixes }
  });
  window.zhiliYasgui = yasgui;
  var tab = yasgui.getTab();
  tab.setQuery(config.query);

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

  yasgui.on("query", function (_y, t) { permalink(t.getQuery()); });
  yasgui.on("queryResponse", function () { setTimeout(labelResults, 0); });
  document.querySelectorAll('input[name="labels"]').forEach(function (radio) {
    radio.addEventListener("change", function () { lang = radio.value; labelResults(); });
  });
  fetch("/api/labels").then(function (r) { return r.json(); }).then(function (data) { labels = data; labelResults(); });

  document.querySelectorAll("#gallery a.example").forEach(function (a) {
    a.addEventListener("click", function (event) {
      event.preventDefault();
      var example = config.examples.find(function (e) { return e.slug === a.dataset.slug; });
      var current = yasgui.getTab();
      current.setQuery(example.query);
      permalink(example.query);
      current.query();
      el.scrollIntoView();
    });
  });
})();
