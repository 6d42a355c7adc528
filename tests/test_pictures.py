"""The map (/map), the locality × concept matrix (/matrix, /matrix.csv) and the division codes behind them.

Expectations are computed from other parts of the system (the REST API's adopters, cpca's own CSV),
never copied from the pages under test.
"""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest
from rdflib import Literal

from kg import gazetteer
from kg.namespaces import LOC, ZL

pytestmark = pytest.mark.parametrize("live", ["embedded"], indirect=True)

SEP = " | "


def cpca_rows() -> list[dict]:
    with resources.files("cpca").joinpath("resources/adcodes.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def matrix_csv(http, **params) -> list[dict]:
    r = http.get("/matrix.csv", params=params)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(r.text)))


_EXPECTED: dict[str, tuple] = {}


def expected_adopters(http) -> tuple[dict[str, dict[str, set[str]]], list[str]]:
    """concept id -> locality id -> local names, from /api/mechanisms (their adopters include narrower
    concepts' adopters), leaving out restated adoptions and excluded formulas as the compare page does."""
    key = str(http.base_url)
    if key not in _EXPECTED:
        _EXPECTED[key] = _expected_adopters(http)
    return _EXPECTED[key]


def _expected_adopters(http) -> tuple[dict[str, dict[str, set[str]]], list[str]]:
    summaries = http.get("/api/mechanisms").json()
    details = {m["id"]: http.get(f"/api/mechanisms/{m['id']}").json() for m in summaries}
    excluded = {i for i, d in details.items() if d["excluded_from_comparison"]}
    out = {}
    for i, d in details.items():
        if i in excluded:
            continue
        by: dict[str, set[str]] = {}
        for a in d["adopters"]:
            if not a["restated"] and a["mechanism"]["id"] not in excluded:
                by.setdefault(a["locality"]["id"], set()).add(a["local_name"])
        out[i] = by
    localities = sorted(l["id"] for l in http.get("/api/localities").json())
    return out, localities


# ---------------------------------------------------------------- data: codes come from the gazetteer


def test_codes_and_coordinates_equal_cpca(http):
    rows = cpca_rows()
    api = http.get("/api/localities").json()
    assert len(api) == 7
    for loc in api:
        detail = http.get(f"/api/localities/{loc['id']}").json()
        parent = (detail["parent_city"] or detail["province"])["zh"]
        parent_code = next(r["adcode"] for r in rows if r["name"] == parent)
        prefix = parent_code[:2] if parent_code[2:].strip("0") == "" else parent_code[:4]
        match = [r for r in rows if r["name"] == loc["label"]["zh"] and r["adcode"].startswith(prefix) and r["adcode"] != parent_code]
        assert len(match) == 1, loc["id"]
        assert detail["adcode"] == match[0]["adcode"][:6]
        assert detail["lat"] == pytest.approx(float(match[0]["latitude"]), abs=1e-9)
        assert detail["lon"] == pytest.approx(float(match[0]["longitude"]), abs=1e-9)
    graph = gazetteer.load_graph()
    assert gazetteer.check(graph) == []  # provinces and parent cities too, and the recorded cpca version
    graph.set((LOC.qingtongxia, ZL.adminCode, Literal("640302")))  # a hand-typed (wrong) code is caught
    assert any("qingtongxia" in p and "640381" in p for p in gazetteer.check(graph))


# ---------------------------------------------------------------- the matrix as CSV


def test_matrix_csv_agrees_with_the_api(http):
    want, localities = expected_adopters(http)
    rows = matrix_csv(http)
    assert list(rows[0].keys()) == ["category", "concept_id", "concept_label_zh", "concept_label_en", "spread"] + localities
    mechanisms = [r for r in rows if r["concept_id"] != r["category"]]
    assert {r["concept_id"] for r in mechanisms} == set(want)
    by_category: dict[str, dict[str, set[str]]] = {}
    for r in mechanisms:
        got = {l: set(r[l].split(SEP)) for l in localities if r[l]}
        assert got == want[r["concept_id"]], r["concept_id"]
        assert int(r["spread"]) == len(got)
        for l, names in got.items():
            by_category.setdefault(r["category"], {}).setdefault(l, set()).update(names)
    for r in rows:
        if r["concept_id"] == r["category"]:  # a category counts every concept below it
            assert {l: set(r[l].split(SEP)) for l in localities if r[l]} == by_category.get(r["concept_id"], {})
    some = mechanisms[len(mechanisms) // 2]["category"]
    only = matrix_csv(http, category=some)
    assert only and {r["category"] for r in only} == {some}
    assert only == [r for r in rows if r["category"] == some]
    assert http.get("/matrix.csv", params={"category": "no-such"}).status_code == 404
    assert http.get("/matrix.csv", params={"category": mechanisms[0]["concept_id"]}).status_code == 404  # not a category
    assert http.get("/matrix.csv", params={"include_restated": "perhaps"}).status_code == 422
    assert http.get("/map", params={"concept": "no-such"}).status_code == 404
    assert http.get("/matrix", params={"sort": "colour"}).status_code == 422


# ---------------------------------------------------------------- the map in a browser


def _ready(page):
    page.wait_for_selector("#china-map[data-ready=true]", timeout=15000)


def test_map_draws_localities_and_provinces(page, live):
    page.goto(live.url + "/map")
    _ready(page)
    points = page.evaluate("window.zhiliMap.getOption().series[0].data.map(d => [d.id, d.value])")
    assert len(points) == 7 and all(-90 <= lat <= 90 and 70 < lon < 140 for _, (lon, lat) in points)
    regions = page.evaluate("window.zhiliMap.getModel().getComponent('geo').coordinateSystem.regions.length")
    assert regions >= 34  # every province-level division's outline
    assert page.locator("#china-map svg path").count() > regions  # drawn: outlines and the points
    assert page.locator("#map-list tbody tr").count() == 7


def test_map_choice_highlights_exactly_the_adopters(page, live, http):
    want, localities = expected_adopters(http)
    concept = sorted((c for c, by in want.items() if 1 < len(by) < len(localities)), key=lambda c: (-len(want[c]), c))[0]
    page.goto(live.url + "/map")
    _ready(page)
    page.select_option("#map-concept", concept)
    states = dict(page.evaluate("window.zhiliMap.getOption().series[0].data.map(d => [d.id, d.state])"))
    assert {l for l, s in states.items() if s == "adopter"} == set(want[concept])
    assert {l for l, s in states.items() if s == "dimmed"} == set(localities) - set(want[concept])
    listed = page.eval_on_selector_all("#map-list tr.adopter", "rows => rows.map(r => r.dataset.locality)")
    assert set(listed) == set(want[concept])
    assert f"concept={concept}" in page.url
    # hovering an adopter shows its local name and division code in the tooltip
    loc = sorted(want[concept])[0]
    x, y = page.evaluate(f"""(() => {{ const c = window.zhiliMap; const d = c.getOption().series[0].data.find(d => d.id === '{loc}');
        return c.convertToPixel({{seriesIndex: 0}}, d.value); }})()""")
    box = page.locator("#china-map").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    tip = page.locator("#china-map .tip-names")
    tip.wait_for(timeout=5000)
    assert tip.inner_text() == SEP.join(sorted(want[concept][loc]))
    code = http.get(f"/api/localities/{loc}").json()["adcode"]
    assert code in tip.evaluate("e => e.parentElement.innerText")
    page.mouse.click(box["x"] + x, box["y"] + y)  # a click leads to the evidence
    page.wait_for_url(f"**/localities/{loc}#*")
    assert page.locator(page.url.split("#")[1].join(["#", ""]) + " ul.evidence li").count() >= 1


# ---------------------------------------------------------------- the matrix in a browser


def test_matrix_marks_agree_and_open_the_evidence(page, live, http):
    rows = {r["concept_id"]: r for r in matrix_csv(http)}
    localities = list(next(iter(rows.values())).keys())[5:]
    page.goto(live.url + "/matrix")
    marks = page.evaluate("""[...document.querySelectorAll('#concept-matrix tr[data-concept]')].map(tr =>
        [tr.dataset.concept, [...tr.querySelectorAll('td.cell')].map(td => td.querySelector('a.mark') ? 1 : 0)])""")
    assert {c for c, _ in marks} == set(rows)
    for concept, cells in marks:
        assert [l for l, on in zip(localities, cells) if on] == [l for l in localities if rows[concept][l]], concept
    mark = page.locator("tr.concept-row a.mark").first
    concept = mark.evaluate("a => a.closest('tr').dataset.concept")
    locality = mark.get_attribute("data-locality")
    mark.focus()
    assert mark.locator(".tip").is_visible()  # the local names show on focus, not only on hover
    assert mark.locator(".tip").inner_text() == rows[concept][locality]
    mark.click()
    page.wait_for_url(f"**/localities/{locality}#*")
    target = page.locator(page.url.split("#")[1].join(["#", ""]))
    assert target.locator(".local-name").inner_text() in rows[concept][locality].split(SEP)
    assert target.locator("ul.evidence li").count() >= 1


def test_matrix_category_filter_hides_other_rows(page, live, http):
    page.goto(live.url + "/matrix?lang=zh")
    category = page.locator("#matrix-category option").nth(3).get_attribute("value")
    page.select_option("#matrix-category", category)
    visible = page.eval_on_selector_all("#concept-matrix tbody tr", "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.concept)")
    expected = [r["concept_id"] for r in matrix_csv(http, category=category)]
    assert sorted(visible) == sorted(expected)
    assert f"category={category}" in page.locator("#matrix-csv").get_attribute("href")
    assert f"category={category}" in page.url


@pytest.mark.parametrize("path", ["/map?lang=zh&concept=community-reporting", "/matrix?lang=zh"])
def test_pages_fit_a_phone(browser, live, path):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(live.url + path)
        if path.startswith("/map"):
            _ready(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert errors == []
    finally:
        context.close()
