"""Every page and view, in zh and en, at desktop and phone width, checked in Chromium by axe-core
(vendored, test-only: tests/vendor/axe-core/) and for the phone layout.

Fails on any serious or critical axe violation (printed with the offending elements), on a page with
no or several <h1>, a missing skip link or per-page <title>, and, at 390 px, on a document wider than
the screen. One browser context per width; its page is reused for every URL so the module stays fast.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from site_pages import PAGES, WIDTHS, in_language, wait_until_drawn

pytestmark = pytest.mark.parametrize("live", ["embedded"], indirect=True)

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
# axe reads the live DOM; the page CSP (script-src 'self') forbids injecting it as an inline <script>
# (page.add_script_tag), so it is evaluated through the DevTools protocol, which the CSP does not govern.
RUN_AXE = """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\\s+/g, ' '))})))"""


@pytest.fixture(scope="module", params=list(WIDTHS))
def tab(request, browser, live):
    """One page per width, reused across URLs; JavaScript errors are collected and checked per URL."""
    width, height = WIDTHS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.errors, page.outside = [], []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith((live.url, "data:", "blob:", "about:")) else page.outside.append(r.url))
    yield request.param, width, page
    context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", PAGES)
def test_page_is_accessible(tab, live, path, lang):
    name, width, page = tab
    page.errors.clear()
    page.outside.clear()
    response = page.goto(live.url + in_language(path, lang), wait_until="load")
    assert response is not None and response.status in (200, 404), f"{path}: HTTP {response and response.status}"
    wait_until_drawn(page)
    page.evaluate(AXE + ";0")
    violations = page.evaluate(RUN_AXE)
    facts = page.evaluate("""() => ({
        h1: document.querySelectorAll('h1').length,
        title: document.title,
        skip: !!document.querySelector('a.skip-link[href="#main"]') && !!document.getElementById('main'),
        lang: document.documentElement.lang,
        width: document.documentElement.scrollWidth})""")
    problems = [f"axe {v['impact']} {v['id']}: {v['help']}\n      " + "\n      ".join(v["nodes"]) for v in violations]
    if facts["h1"] != 1:
        problems.append(f"{facts['h1']} <h1> elements")
    if not (facts["title"].endswith((" — Zhili", " · Zhili")) or path == "/"):
        problems.append(f"<title> {facts['title']!r} is not the page's own 'X — Zhili'")
    if not facts["skip"]:
        problems.append("no skip link to <main id=main>")
    if facts["lang"] != ("zh-CN" if lang == "zh" else "en"):
        problems.append(f"<html lang={facts['lang']!r}>")
    if width <= 400 and facts["width"] > width:
        problems.append(f"the document is {facts['width']} px wide on a {width} px screen")
    problems += [f"JavaScript error {e}" for e in page.errors] + [f"request left 127.0.0.1: {u}" for u in page.outside]
    assert not problems, f"{name} {lang} {path}:\n  " + "\n  ".join(problems)


def test_titles_differ_between_pages(live):
    """Each page has its own <title> ("X — Zhili"), not the site name shared by all."""
    titles = {}
    for path in PAGES:
        if path in ("/docs", "/graph?view=tiers"):
            continue
        html = httpx.get(live.url + in_language(path.split("#")[0], "en"), headers={"Accept": "text/html"},
                         follow_redirects=True, timeout=30).text
        titles[path] = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    shared = {p: t for p, t in titles.items() if list(titles.values()).count(t) > 1}
    assert not shared, f"pages sharing a <title>: {shared}"
