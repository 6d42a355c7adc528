// Header search suggestions, on every page: the ARIA 1.2 combobox pattern (editable combobox with list
// autocomplete, https://www.w3.org/WAI/ARIA/apg/patterns/combobox/) over /api/search. Focus stays in the
// input; ArrowDown/ArrowUp move the active option (aria-activedescendant), Enter opens it, Escape closes
// the list (a second Escape clears the input). Without JavaScript the form still submits to /search.
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  if (!input || !window.fetch) { return; }
  var form = input.form;
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var KINDS = zh
    ? { locality: "地方", mechanism: "概念", adoption: "地方名称", document: "文件", figure: "数据", quote: "引文" }
    : { locality: "locality", mechanism: "concept", adoption: "local name", document: "document", figure: "figure", quote: "quote" };
  var LIMIT = 8, DELAY = 150, MAX = 200;

  var list = document.createElement("ul");
  list.id = "site-search-list";
  list.className = "search-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", zh ? "搜索建议" : "Search suggestions");
  list.hidden = true;
  form.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  var timer = null, active = -1, items = [], asked = "", controller = null;

  function withLang(url) {  // keep the page language on the way to a suggestion
    if (!zh) { return url; }
    var hash = url.indexOf("#"), path = hash < 0 ? url : url.slice(0, hash), frag = hash < 0 ? "" : url.slice(hash);
    return path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=zh" + frag;
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(index) {
    var options = list.children;
    if (active >= 0 && options[active]) { options[active].setAttribute("aria-selected", "false"); }
    active = index;
    if (active < 0) { input.removeAttribute("aria-activedescendant"); return; }
    options[active].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function scriptLang(text) {  // as search.py's text_lang: mostly Chinese characters reads zh, Latin letters en
    var cjk = (text.match(/[\u3400-\u9fff\uf900-\ufaff]/g) || []).length, latin = (text.match(/[A-Za-z]/g) || []).length;
    return cjk && cjk >= latin / 4 ? "zh" : latin ? "en" : "";
  }

  function render(hits) {
    items = hits;
    list.textContent = "";
    active = -1;
    hits.forEach(function (hit, i) {
      var li = document.createElement("li");
      li.id = "site-search-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      var name = document.createElement("span");
      name.className = "suggestion-label";
      var page = zh ? "zh" : "en", other = zh ? "en" : "zh";
      var shown = hit.label[page] ? page : other;
      name.textContent = hit.label[shown] || "";  // text, never HTML
      if (shown !== page) { name.lang = shown; }  // a label only in the other language is marked so
      var kind = document.createElement("span");
      kind.className = "suggestion-kind";
      kind.textContent = KINDS[hit.kind] || hit.kind;
      li.appendChild(name);
      li.appendChild(kind);
      if (hit.matched && hit.matched !== name.textContent) {
        var matched = document.createElement("span");
        matched.className = "suggestion-matched";
        matched.textContent = hit.matched.length > 60 ? hit.matched.slice(0, 60) + "…" : hit.matched;
        var script = scriptLang(hit.matched);  // a local name or quote is Chinese, a gloss English
        if (script && script !== page) { matched.lang = script; }
        li.appendChild(matched);
      }
      li.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep focus in the input
      li.addEventListener("click", function () { window.location.href = withLang(hit.url); });
      list.appendChild(li);
    });
    list.hidden = hits.length === 0;
    input.setAttribute("aria-expanded", hits.length ? "true" : "false");
    input.removeAttribute("aria-activedescendant");
  }

  function ask() {
    var q = input.value.trim();
    if (!q || q.length > MAX) { asked = ""; render([]); return; }
    if (q === asked) { return; }
    asked = q;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    fetch("/api/search?limit=" + LIMIT + "&q=" + encodeURIComponent(q), controller ? { signal: controller.signal } : {})
      .then(function (r) { return r.ok ? r.json() : { hits: [] }; })
      .then(function (data) { if (q === input.value.trim()) { render(data.hits || []); } })
      .catch(function () { /* aborted or offline: the form still submits */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY);
  });
  input.addEventListener("keydown", function (event) {
    var open = !list.hidden && items.length > 0;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) { if (items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } else { ask(); } return; }
      setActive(active + 1 >= items.length ? 0 : active + 1);
    } else if (event.key === "ArrowUp") {
      if (!open) { return; }
      event.preventDefault();
      setActive(active <= 0 ? items.length - 1 : active - 1);
    } else if (event.key === "Enter") {
      if (open && active >= 0) {
        event.preventDefault();
        window.location.href = withLang(items[active].url);
      }  // otherwise the form submits to /search
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); close(); } else if (input.value) { input.value = ""; asked = ""; items = []; }
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
  input.addEventListener("focus", function () { if (items.length && input.value.trim() === asked) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } });
})();
