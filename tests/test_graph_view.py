"""The graph view in headless Chromium: click, expand, filter, compare, tiers, shared URLs, size, and no script injection."""

from __future__ import annotations

import shutil

import pytest

from kg.store import select
from conftest import ARTIFACTS, LiveServer

from kg.paths import DATA

READY = "#graph-app[data-ready='1']"


# Pages are the same on both stores; the browser suite runs once, on the embedded one.
embedded = pytest.mark.parametrize("live", ["embedded"], indirect=True)

def node_point(page, node_id):
    return page.evaluate("""id => {
        const net = window.zhiliNetwork; const p = net.canvasToDOM(net.getPosition(id));
        const r = document.querySelector('#network canvas').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""", node_id)


def wait_until(page, expression: str, timeout: float = 20.0) -> None:
    """Poll with page.evaluate: wait_for_function evaluates strings inside the page, which our CSP forbids."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)


def visible(page) -> int:
    return int(page.get_attribute("#graph-app", "data-visible-nodes"))


@embedded
def test_click_node_shows_details_and_evidence(page, live):
    page.goto(live.url + "/graph")
    page.wait_for_selector(READY)
    page.evaluate("window.zhiliNetwork.focus('mechanism:red-property', {scale: 1.0})")
    x, y = node_point(page, "mechanism:red-property")
    page.mouse.click(x, y)
    page.wait_for_selector("#panel .adopter ul.evidence li q")
    panel = page.inner_text("#panel")
    assert "红色物业" in panel and "red property management" in panel
    link = page.get_attribute("#panel .adopter a.ev-link", "href")
    assert link.startswith("/sources/") and "#s00" in link
    assert "select=mechanism%3Ared-property" in page.url or "select=mechanism:red-property" in page.url


@embedded
def test_double_click_expands_and_collapses(page, live):
    page.goto(live.url + "/graph")
    page.wait_for_selector(READY)
    before = visible(page)
    page.evaluate("window.zhiliNetwork.focus('locality:lanzhou', {scale: 1.0})")
    x, y = node_point(page, "locality:lanzhou")
    page.mouse.dblclick(x, y)
    wait_until(page, f"+document.querySelector('#graph-app').dataset.visibleNodes > {before}")
    assert page.evaluate("window.zhiliGraph.nodes.get('document:lanzhou-grid-party-building-opinion') !== null")
    assert "expand=locality" in page.url
    page.mouse.dblclick(x, y)
    wait_until(page, f"+document.querySelector('#graph-app').dataset.visibleNodes == {before}")


@embedded
def test_filters_compare_and_shared_url(page, live):
    page.goto(live.url + "/graph")
    page.wait_for_selector(READY)
    everything = visible(page)
    page.check("#categories input[value='category-property']")
    assert visible(page) < everything and "cat=category-property" in page.url
    page.uncheck("#categories input[value='category-property']")
    page.check("#compare-list input[value='tonghua-county']")
    page.check("#compare-list input[value='qingtongxia']")
    assert page.is_visible("#legend")
    shared = page.evaluate("window.zhiliGraph.nodes.get({filter: n => n.compare === 'shared' || n.compare === 'variant'}).length")
    unique = page.evaluate("window.zhiliGraph.nodes.get({filter: n => n.compare === 'unique'}).length")
    assert shared >= 10 and unique >= 10
    page.fill("#search", "红色物业")
    page.press("#search", "Enter")
    page.wait_for_selector("#panel .adopter")
    url = page.url
    assert "compare=tonghua-county%2Cqingtongxia" in url or "compare=tonghua-county,qingtongxia" in url
    page.goto(url)
    page.wait_for_selector(READY)
    assert page.is_checked("#compare-list input[value='qingtongxia']")
    page.wait_for_selector("#panel .adopter")
    assert "红色物业" in page.inner_text("#panel")
    assert page.evaluate("window.zhiliNetwork.getSelectedNodes()[0]") == "mechanism:red-property"


@embedded
def test_tier_view_side_by_side(page, live, store):
    page.goto(live.url + "/graph?view=tiers&locality=qingtongxia,lanzhou")
    page.wait_for_selector("#graph-app[data-tiers-ready]")
    cols = page.locator(".tier-col")
    chains = select(store, "SELECT ?c WHERE { VALUES ?l { loc:qingtongxia loc:lanzhou } ?c a zl:TierChain ; zl:locality ?l }")
    assert cols.count() == len(chains) >= 2
    assert "Qingtongxia" in cols.first.inner_text()
    page.check("#localities input[value='jinchang']")
    wait_until(page, "document.querySelectorAll('.tier-col').length > 3")
    assert "jinchang" in page.url


@embedded
def test_language_switch_relabels_nodes(page, live):
    page.goto(live.url + "/graph?lang=zh")
    page.wait_for_selector(READY)
    assert page.evaluate("window.zhiliGraph.nodes.get('locality:jinchang').label") == "金昌市"


@pytest.fixture(scope="module")
def bench_server():
    """Synthetic graphs are a benchmark-only setting (ZHILI_BENCH_SYNTHETIC=1): a server started for them."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = LiveServer({"ZHILI_BENCH_SYNTHETIC": "1"})
    yield server
    server.stop()


def test_synthetic_graph_of_3000_nodes_becomes_interactive(browser, bench_server):
    context = browser.new_context(viewport={"width": 1500, "height": 950})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(bench_server.url + "/graph?synthetic=2600&types=locality,mechanism")
    page.wait_for_selector(READY, timeout=60000)
    assert page.evaluate("window.zhiliGraph.all.nodes.length") == 3000
    page.evaluate("window.zhiliNetwork.focus('locality:l5', {scale: 1.0})")
    x, y = node_point(page, "locality:l5")
    page.mouse.click(x, y)
    page.wait_for_selector("#panel ul.neighbours li")
    context.close()
    assert errors == []


PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A server on a copy of the data whose labels carry script payloads (still a valid dataset)."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDFS

    from kg.namespaces import ZL
    from kg.turtle import leading_comment, serialize

    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(DATA, data)
    path = data / "localities" / "jinchang.ttl"
    g = Graph().parse(path, format="turtle")
    loc = URIRef("https://w3id.org/zhili/id/locality/jinchang")
    g.remove((loc, RDFS.label, Literal("Jinchang", lang="en")))
    g.add((loc, RDFS.label, Literal("Jinchang " + PAYLOAD, lang="en")))
    ad = URIRef("https://w3id.org/zhili/id/adoption/jinchang-street-lane-chief")
    for old in list(g.objects(ad, ZL.gloss)):
        g.remove((ad, ZL.gloss, old))
    g.add((ad, ZL.gloss, Literal("gloss " + PAYLOAD, lang="en")))
    path.write_text(serialize(g, leading_comment(path.read_text(encoding="utf-8"))), encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = LiveServer({"ZHILI_DATA_DIR": str(data)})
    yield server
    server.stop()


def test_labels_with_script_payloads_are_rendered_as_text(browser, hostile):
    context = browser.new_context(viewport={"width": 1500, "height": 950})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ["/graph?select=locality:jinchang", "/graph?compare=jinchang,lanzhou&select=mechanism:street-lane-chief",
                 "/localities/jinchang", "/mechanisms/street-lane-chief", "/compare?localities=jinchang&localities=lanzhou",
                 "/", "/localities", "/graph?view=tiers&locality=jinchang"]:
        page.goto(hostile.url + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") is None, path
        assert page.locator("img[src='x']").count() == 0, path
        if not path.startswith("/graph"):
            assert "<script>window.__xss=2</script>" in page.inner_text("body"), f"payload not shown as text on {path}"
    page.goto(hostile.url + "/graph?select=locality:jinchang")
    page.wait_for_selector("#panel h2")
    assert "<script>" in page.inner_text("#panel") or "<script>" in page.evaluate(
        "window.zhiliGraph.nodes.get('locality:jinchang').title")
    page.screenshot(path=str(ARTIFACTS / "hostile-labels.png"))
    context.close()
    assert dialogs == []


@pytest.mark.parametrize("n", [2, 99, 100, 101, 700])
def test_graph_data_at_layout_boundaries(bench_server, n):
    """500 nodes is where networkx's spring layout needs scipy: both layouts must answer (found by schemathesis)."""
    import httpx

    r = httpx.get(bench_server.url + "/api/graph", params={"synthetic": n}, timeout=60)
    assert r.status_code == 200 and len(r.json()["nodes"]) == n + 400
