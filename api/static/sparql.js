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

  var yasgui = new window.Yasgui(el, {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; } },
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
