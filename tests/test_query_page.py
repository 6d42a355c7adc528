"""The query page in a browser: the chart view draws one bar per result row, the table shows plain numbers,
choosing an example puts its query (not the PREFIX block) in view, the gallery sits above the results, every
YASGUI input has an accessible name, and the example questions exist in zh and en. Also the small server-side
charts on mechanism and locality pages (the same figures, drawn without the query page)."""

from __future__ import annotations

import re

import pytest

from kg.examples import load_examples

pytestmark = pytest.mark.parametrize("live", ["embedded"], indirect=True)

SPREAD = "08-mechanism-spread"  # ?practice ?category ?localities (a COUNT)


def run_example(page, live, slug: str, lang: str = "en") -> int:
    """Open the page, choose an example, wait for its results; the number of result rows."""
    page.goto(f"{live.url}/sparql?lang={lang}")
    page.click(f"#gallery a.example[data-slug='{slug}']")
    page.wait_for_selector(".yasr .yasr_response_chip")
    page.wait_for_function("() => { const y = window.zhiliYasgui.getTab().getYasr(); return y.results && "
                           "y.results.getBindings().length > 0; }")
    return page.evaluate("window.zhiliYasgui.getTab().getYasr().results.getBindings().length")


def test_chart_view_draws_a_bar_per_row(page, live):
    rows = run_example(page, live, SPREAD)
    page.click(".yasr_btn.select_chart")
    page.wait_for_selector(".sparql-chart svg")
    counts = page.evaluate("window.zhiliYasgui.getTab().getYasr().results.getBindings().map(b => Number(b.localities.value))")
    # ECharts' SVG renderer draws each bar as a path filled with the series colour (the first of the palette)
    bars = page.locator(".sparql-chart svg path[fill='#b3261e']")
    assert rows >= 5 and bars.count() == rows
    widths = [b["width"] for b in (bars.nth(i).bounding_box() for i in range(rows))]
    assert widths[0] == max(widths) and counts[0] == max(counts)  # the longest bar is the largest count
    assert abs(widths[0] / widths[-1] - counts[0] / counts[-1]) < 0.05
    assert page.locator(".sparql-chart-controls select").input_value() == "practice"
    assert page.locator(".sparql-chart-controls input[type=checkbox][value=localities]").is_checked()
    page.select_option(".sparql-chart-controls select", "category")  # the label column can be changed
    page.wait_for_selector(".sparql-chart svg")
    labels = page.evaluate("[...document.querySelectorAll('.sparql-chart svg text')].map(t => t.textContent)")
    assert "grid governance" in labels


def test_counts_view_counts_rows_per_value(page, live):
    rows = run_example(page, live, SPREAD)
    page.click(".yasr_btn.select_counts")
    page.select_option(".sparql-chart-controls select", "category")
    cells = page.locator("table.sparql-counts tbody tr td.num").all_inner_texts()
    assert sum(int(c) for c in cells) == rows and len(cells) < rows


def test_table_shows_plain_numbers(page, live):
    run_example(page, live, SPREAD)
    cells = page.locator(".yasr table.dataTable tbody tr td:last-child").all_inner_texts()
    assert cells and all(re.fullmatch(r"\d+", c.strip()) for c in cells), cells[:3]
    assert "^^" not in page.locator(".yasr table.dataTable").inner_text()
    assert page.locator(".yasr table.dataTable span.num").first.get_attribute("title") == "xsd:integer"


def test_choosing_an_example_shows_its_query(page, live):
    page.set_viewport_size({"width": 1366, "height": 900})
    for slug in (SPREAD, "12-categories-by-locality"):
        run_example(page, live, slug)
        first = next(line for line in next(e for e in load_examples() if e.slug == slug).query.splitlines()
                     if line.strip() and not line.startswith(("#", "PREFIX")))
        line = page.locator(".CodeMirror-line", has_text=first.strip()[:30]).first
        box, editor = line.bounding_box(), page.locator(".CodeMirror-scroll").bounding_box()
        assert box and editor["y"] <= box["y"] and box["y"] + box["height"] <= editor["y"] + editor["height"]
        viewport = page.viewport_size["height"]
        assert 0 <= box["y"] < viewport  # and in the window


def test_gallery_is_above_the_results(page, live):
    run_example(page, live, SPREAD)
    gallery = page.locator("#gallery").bounding_box()
    results = page.locator(".yasr").bounding_box()
    assert gallery["y"] + gallery["height"] <= results["y"]


def test_yasgui_inputs_have_names_and_questions_are_bilingual(page, live):
    run_example(page, live, SPREAD, lang="zh")
    unnamed = page.evaluate("""() => [...document.querySelectorAll('#yasgui input, #yasgui select, #yasgui textarea')]
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
        .map(e => e.outerHTML.slice(0, 80))""")
    assert unnamed == []
    assert page.locator(".CodeMirror textarea").get_attribute("aria-label") == "SPARQL 查询"
    questions = page.locator("#gallery a.example").all_inner_texts()
    assert len(questions) == len(load_examples())
    assert all(re.search(r"[\u4e00-\u9fff]", q) and not re.search(r"[A-Za-z]{4,}", q) for q in questions), questions


def chart_rows(html: str, figure_id: str) -> list[tuple[str, str]]:
    """(row heading text, value cell text) of each bar row in a chart's table."""
    block = re.search(r'<figure class="chart[^"]*" id="%s">(.*?)</figure>' % figure_id, html, re.S).group(1)
    rows = re.findall(r"<tr[^>]*><th scope=\"row\">(.*?)</th>.*?<td class=\"num\">(.*?)</td></tr>", block, re.S)
    return [(re.sub(r"<[^>]+>", "", th.split("<br>")[0]).strip(), num) for th, num in rows]


def test_spread_chart_counts_localities_per_concept(http, live):
    api = http.get("/api/mechanisms/community-reporting").json()
    places = len(http.get("/api/localities").json())
    html = http.get("/mechanisms/community-reporting").text
    rows = chart_rows(html, "chart-spread")
    expected = {}
    for a in api["adopters"]:
        expected.setdefault(a["mechanism"]["label"]["en"], set()).add(a["locality"]["id"])
    for narrower in api["narrower"]:
        expected.setdefault(narrower["label"]["en"], set())
    shown = {th.split(" (")[0]: num for th, num in rows}  # "label (this concept)" → label
    for label, localities in expected.items():
        assert shown[label] == f"{len(localities)} / {places}", (label, shown)
    total = {a["locality"]["id"] for a in api["adopters"]}
    assert rows[-1][1] == f"{len(total)} / {places}" and len(total) == api["localities"]
    widths = re.findall(r'<rect class="bar[^"]*" x="0" y="1" width="([\d.]+)"', html)
    assert [float(w) for w in widths] == [round(100 * int(n.split(" /")[0]) / places, 1) for _, n in rows]


def test_comparable_chart_puts_this_figure_beside_the_same_concept_elsewhere(http, live):
    html = http.get("/localities/lanzhou", params={"lang": "zh"}).text
    section = re.search(r'<section class="chart-comparable" id="chart-comparable">(.*?)</section>', html, re.S).group(1)
    blocks = re.findall(r"<figure class=\"chart\">(.*?)</figure>", section, re.S)
    assert blocks
    lanzhou = http.get("/api/localities/lanzhou").json()
    printed = {f["printed"] for f in lanzhou["figures"]}
    for block in blocks:
        rows = re.findall(r'<tr( class="this")?><th scope="row">.*?<td class="num">(.*?)</td></tr>', block, re.S)
        here = [num for this, num in rows if this]
        assert here and set(here) <= printed  # this locality's own figure, highlighted
        assert len(rows) > len(here)  # and at least one from elsewhere
        assert "/localities/" in block  # which links to the other locality
