"""No untranslated UI text: every page and view, walked in Chromium in both languages.

On a zh page, visible text outside any element marked lang="en" must not contain Latin-letter words
(bar a few names that are the same in both languages: SPARQL, API, CSV…); on an en page, visible text
outside lang="zh" must not contain Chinese. Data shown in the other language on purpose (a local name,
a quote, an English gloss) carries lang=, which is also what screen readers need to switch voice.
"""

from __future__ import annotations

import pytest

from site_pages import PAGES, in_language, wait_until_drawn

pytestmark = pytest.mark.parametrize("live", ["embedded"], indirect=True)

# Names of formats, standards and tools, written the same in Chinese text.
ALLOWED = ["SPARQL", "API", "Zhili", "CSV", "JSON-LD", "JSON", "Turtle", "N-Quads", "N-Triples", "RDF", "XML", "IRI",
           "GB", "SHA", "zip", "OpenAPI", "REST", "Swagger", "UI", "ReDoc", "BibTeX", "CSL-JSON", "RIS", "ECharts"]

# Visible text nodes (not in script/style/code, not hidden, not inside a closed <details>) whose nearest
# lang= ancestor is the page language, and the words in them that belong to the other language.
STRAY = r"""([lang, allowed]) => {
  const other = lang === 'zh' ? /(?<![A-Za-z0-9])[A-Za-z][A-Za-z'’-]*(?![A-Za-z0-9])/g : /[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+/g;
  const ok = new Set(allowed);
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('script, style, noscript, code, pre, svg, canvas, textarea, .CodeMirror')) continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const marked = el.closest('[lang]');
    if (marked && !marked.lang.toLowerCase().startsWith(lang)) continue;
    for (const m of node.textContent.matchAll(other)) {
      const word = m[0];
      if (lang === 'zh' && (word.length < 2 || ok.has(word))) continue;
      out.push(word + '  <' + el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : '') + '>');
    }
  }
  return [...new Set(out)];
}"""


@pytest.fixture(scope="module")
def tab(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", PAGES)
def test_no_untranslated_text(tab, live, path, lang):
    response = tab.goto(live.url + in_language(path, lang), wait_until="load")
    wait_until_drawn(tab)
    assert response is not None and response.status in (200, 404)
    stray = tab.evaluate(STRAY, [lang, ALLOWED])
    what = "Latin-letter words on a zh page" if lang == "zh" else "Chinese on an en page"
    assert not stray, f"{path}: {what} outside lang= markup:\n  " + "\n  ".join(stray[:40])


def test_the_check_sees_untranslated_text(tab, live):
    """The walker itself: an English word in a zh page's UI is caught, the same word marked lang=en is not."""
    tab.goto(live.url + "/?lang=zh", wait_until="load")
    tab.evaluate("""() => { const p = document.createElement('p'); p.textContent = 'Localities'; document.querySelector('main').append(p);
                           const q = document.createElement('p'); q.lang = 'en'; q.textContent = 'Qingtongxia'; document.querySelector('main').append(q); }""")
    stray = tab.evaluate(STRAY, ["zh", ALLOWED])
    assert any(s.startswith("Localities") for s in stray) and not any(s.startswith("Qingtongxia") for s in stray)
