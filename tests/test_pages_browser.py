"""Pages in a real browser (Debian chromium via playwright): clicks, highlights, the query page, no outside requests."""

from __future__ import annotations

import re

import pytest

# Pages are the same on both stores; the browser suite runs once, on the embedded one.
pytestmark = pytest.mark.parametrize("live", ["embedded"], indirect=True)


def test_home_matrix_cell_leads_to_evidence(page, live):
    page.goto(live.url + "/")
    cell = page.locator("#matrix td.heat a").first
    expected = cell.inner_text()
    cell.click()
    page.wait_for_load_state()
    assert re.search(r"/localities/[a-z-]+#category-", page.url)
    section = page.locator(page.url.split("#")[1].join(["#", ""]))
    assert section.locator("article.adoption").count() == int(expected)
    assert section.locator("ul.evidence li q").count() >= int(expected)


def test_language_switch(page, live):
    page.goto(live.url + "/localities/jinchang")
    assert page.locator("header nav").inner_text().startswith("Localities")
    page.click("#lang-zh")
    page.wait_for_load_state()
    assert "lang=zh" in page.url and page.locator("header nav").inner_text().startswith("地方")
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_fact_links_to_highlighted_span_and_span_shows_facts(page, live, http):
    adoption = http.get("/api/localities/lanzhou").json()["mechanisms_by_category"][0]["adoptions"][0]
    page.goto(live.url + "/localities/lanzhou")
    page.locator(f"#{adoption['id']} a.ev-link").first.click()
    page.wait_for_load_state()
    ev = adoption["evidence"][0]
    assert page.url.endswith(f"/sources/{ev['source']}#{ev['id']}")
    target = page.locator(".reader a.hl.target")
    target.wait_for()
    assert ev["exact"].startswith(target.first.inner_text()[:2])
    panel = page.locator("#panel")
    assert panel.is_visible() and adoption["local_name"] in panel.inner_text()
    # click another highlight: the panel now lists that span's facts
    other = page.locator(".reader a.hl").nth(3)
    other.click()
    ids = other.get_attribute("data-ev").split()
    assert page.locator("#panel li[data-ev]").count() >= len(ids)


def test_compare_page(page, live):
    page.goto(live.url + "/compare")
    page.check("input[value='tonghua-county']")
    page.check("input[value='qingtongxia']")
    page.click("form.pick button")
    page.wait_for_load_state()
    assert "localities=tonghua-county" in page.url
    rows = page.locator("table.compare").first.locator("tbody tr, tr").count()
    assert rows > 5
    assert "红色物业" in page.content()


def test_query_page_runs_an_example_with_labels_and_permalink(page, live):
    page.goto(live.url + "/sparql", wait_until="networkidle")
    page.locator(".yasqe .CodeMirror").wait_for()
    page.locator("#gallery a.example[data-slug='01-localities']").click()
    page.locator(".yasr table tbody tr").first.wait_for(timeout=20000)
    assert page.locator(".yasr table tbody tr").count() == 7
    assert "query=" in page.url
    permalink = page.url
    page.goto(live.url + "/sparql?query=" + "ASK%20%7B%20loc%3Ajinchang%20a%20zl%3ALocality%20%7D", wait_until="networkidle")
    text = page.evaluate("window.zhiliYasgui.getTab().getQuery()")
    assert text.strip() == "ASK { loc:jinchang a zl:Locality }"
    page.goto(permalink, wait_until="networkidle")
    assert "zl:adminLevel" in page.evaluate("window.zhiliYasgui.getTab().getQuery()")


def test_query_page_shows_zh_and_en_labels(page, live):
    page.goto(live.url + "/sparql", wait_until="networkidle")
    page.locator(".yasqe .CodeMirror").wait_for()
    page.evaluate("q => { const t = window.zhiliYasgui.getTab(); t.setQuery(q); t.query(); }",
                  "SELECT ?l WHERE { ?l a <https://w3id.org/zhili/ontology#Locality> } ORDER BY ?l")
    page.locator(".yasr .zl-label").first.wait_for(timeout=20000)
    labels = page.locator(".yasr .zl-label").all_inner_texts()
    assert "Jinchang" in " ".join(labels)
    page.check("input[name='labels'][value='zh']")
    assert "金昌市" in " ".join(page.locator(".yasr .zl-label").all_inner_texts())
    href = page.locator(".yasr a[href^='/id/locality/']").first.get_attribute("href")
    assert href.startswith("/id/locality/")


def test_selected_span_lists_only_overlapping_facts(page, live, http):
    """A link to one evidence span shows, beside the text, the facts of the spans that overlap it, not
    every fact of the document; another span's link replaces them."""
    data = http.get("/api/sources/004_e32c23e49bd89ed1").json()
    spans = [s["evidence"] for s in data["spans"]]
    chosen = spans[3]
    expected = {s["id"] for s in spans if s["start"] < chosen["end"] and chosen["start"] < s["end"]}
    page.goto(live.url + f"/sources/004_e32c23e49bd89ed1#{chosen['id']}")
    listed = page.locator("#panel-list > li").evaluate_all("els => els.map(e => e.dataset.ev)")
    assert set(listed) == expected and len(listed) < len(spans)
    assert page.locator("#panel").is_visible() and page.locator(".reader a.hl.target").count() >= 1
    other = spans[10]
    page.goto(live.url + f"/sources/004_e32c23e49bd89ed1#{other['id']}")
    listed = page.locator("#panel-list > li").evaluate_all("els => els.map(e => e.dataset.ev)")
    assert other["id"] in listed
    assert set(listed) == {s["id"] for s in spans if s["start"] < other["end"] and other["start"] < s["end"]}
