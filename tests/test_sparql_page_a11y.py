"""The query page after it has run a query, on a phone: the site-wide accessibility and i18n checks
(test_accessibility.py, test_i18n.py) only see /sparql as loaded, before YASGUI draws any results, a second
tab or its other views. Here an example runs, a tab is added, the count view is drawn, and the page must
still pass axe (no serious/critical violation), show no word of the other language outside lang= markup,
and stay within 390 px.
"""

from __future__ import annotations

import pytest

from test_accessibility import AXE, RUN_AXE
from test_i18n import ALLOWED, STRAY

pytestmark = pytest.mark.parametrize("live", ["embedded"], indirect=True)


def problems(page, lang: str) -> list[str]:
    page.evaluate(AXE + ";0")
    found = [f"axe {v['impact']} {v['id']}: " + " | ".join(v["nodes"]) for v in page.evaluate(RUN_AXE)]
    found += [f"untranslated: {s}" for s in page.evaluate(STRAY, [lang, ALLOWED])]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 390:
        found.append(f"page is {width} px wide")
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_query_page_with_results_stays_accessible(page, live, lang):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live.url}/sparql?lang={lang}", wait_until="load")
    page.click("#gallery a.example >> nth=3")  # Jiuquan's figures: language-tagged labels, numbers, Chinese values
    page.wait_for_selector(".yasr .dataTable tbody tr")
    # YASGUI's own English words are in the page language (zh: 表格 / 查询), and counted results too.
    table, tab = page.inner_text(".yasr_btn.select_table span"), page.inner_text(".tabsList [role=tab] span")
    assert (table, tab) == (("表格", "查询") if lang == "zh" else ("Table", "Query"))
    assert problems(page, lang) == []

    page.click(".zl-add-tab")  # the "+" kept outside the tablist still opens a tab through YASGUI
    assert page.locator(".tabsList [role=tab]").count() == 2
    page.click(".tabsList [role=tab] >> nth=0")
    page.click(".yasr_btn.select_counts")
    page.wait_for_selector(".sparql-counts tbody tr")
    assert problems(page, lang) == []
