"""REST/JSON API: every endpoint against the live server, checked against the graph itself."""

from __future__ import annotations

import csv
import io

import pytest
from rdflib import Dataset, Graph

from kg.store import select


def test_localities_list_and_detail(http, store):
    items = http.get("/api/localities").json()
    assert {i["id"] for i in items} == {"jinchang", "lanzhou", "jinyuan", "zhushan", "tonghua-county", "qingtongxia", "jiuquan"}
    loc = http.get("/api/localities/qingtongxia").json()
    assert loc["label"] == {"zh": "青铜峡市", "en": "Qingtongxia"}
    assert loc["level"]["en"] == "county-level city" and loc["parent_city"]["zh"] == "吴忠市"
    n = select(store, "SELECT (COUNT(?a) AS ?n) WHERE { ?a a zl:Adoption ; zl:locality loc:qingtongxia }")[0]["n"]
    assert sum(len(g["adoptions"]) for g in loc["mechanisms_by_category"]) == n == loc["adoption_count"]
    assert loc["tier_chains"] and [t["rank"] for t in loc["tier_chains"][0]["tiers"]] == list(range(1, len(loc["tier_chains"][0]["tiers"]) + 1))
    first = loc["mechanisms_by_category"][0]["adoptions"][0]
    assert first["evidence"] and first["evidence"][0]["reader"].startswith("/sources/003_")
    assert loc["figures"] and all(f["printed"] for f in loc["figures"])
    labels = {"Exactly": "exactly", "Approximately": "approximately", "MoreThan": "more than", "AtLeast": "at least",
              "AtMost": "at most"}  # the ontology's prefLabels, never an IRI tail such as "ontology#Exactly"
    assert all(f["qualifier_label"]["en"] == labels[f["qualifier"]] for f in loc["figures"])
    assert loc["sources"] == ["003_da93d6bd2f2dd18f"]


def test_locality_jsonld(http):
    r = http.get("/api/localities/jinchang", headers={"Accept": "application/ld+json"})
    assert r.headers["content-type"].startswith("application/ld+json")
    g = Graph().parse(data=r.text, format="json-ld")
    assert len(g) > 100
    assert (None, None, None) in g and "@context" in r.json()


def test_mechanisms_list_detail_and_variants(http, store):
    items = http.get("/api/mechanisms").json()
    by_id = {m["id"]: m for m in items}
    n = select(store, "SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE { ?a zl:mechanism mech:street-internal-structure ; zl:locality ?l }")[0]["n"]
    assert by_id["street-internal-structure"]["localities"] == n >= 5
    m = http.get("/api/mechanisms/street-internal-structure").json()
    names = {a["locality"]["id"]: a["local_name"] for a in m["adopters"]}
    assert any("五办四中心一队" in v for v in names.values()) and any("四办一中心" in v for v in names.values())
    assert all(a["evidence"] for a in m["adopters"])
    grid = http.get("/api/mechanisms", params={"category": "category-grid"}).json()
    assert grid and all(x["category"]["id"] == "category-grid" for x in grid)
    assert http.get("/api/mechanisms", params={"category": "nope"}).status_code == 422


def test_compare_any_number(http):
    r = http.get("/api/compare", params={"localities": "通化县,Qingtongxia,jiuquan"}).json()
    assert [l["id"] for l in r["localities"]] == ["tonghua-county", "qingtongxia", "jiuquan"]
    assert len(r["similarity"]) == 6 and all(0 <= s["jaccard"] <= 1 for s in r["similarity"])  # 3 pairs × 2 levels
    two = http.get("/api/compare", params={"localities": "tonghua-county,qingtongxia"}).json()
    red = [s for s in two["same_concept"] if s["concept"]["id"] == "red-property"]
    assert red and set(red[0]["local_names"]) == {"tonghua-county", "qingtongxia"}
    assert set(two["unique"]) == {"tonghua-county", "qingtongxia"}
    assert {s["level"] for s in two["similarity"]} == {"concept", "practice"}


def test_compare_leaves_restated_formulas_out_unless_asked(http, store):
    # 金昌 and 兰州 both print the national guideline's four-part formula; it is a restatement, not a shared mechanism
    restated = {r["m"].rsplit("/", 1)[-1] for r in select(store, """SELECT ?m WHERE {
        ?a zl:origin zl:RestatedPolicy ; zl:locality loc:jinchang ; zl:mechanism ?m .
        ?b zl:origin zl:RestatedPolicy ; zl:locality loc:lanzhou ; zl:mechanism ?m . }""")}
    assert restated, "the two localities restate a common formula"
    default = http.get("/api/compare", params={"localities": "jinchang,lanzhou"}).json()
    shown = {r["concept"]["id"] for r in default["same_concept"]}
    assert not restated & shown and default["include_restated"] is False
    assert restated <= {r["concept"]["id"] for r in default["left_out_restated"]}
    asked = http.get("/api/compare", params={"localities": "jinchang,lanzhou", "include_restated": "true"}).json()
    assert restated <= {r["concept"]["id"] for r in asked["same_concept"]} and asked["left_out_restated"] == []


@pytest.mark.parametrize("params,status", [({"localities": "jinchang"}, 422), ({"localities": "jinchang,atlantis"}, 404),
                                           ({}, 422), ({"localities": "jinchang,金昌市"}, 422)])
def test_compare_bad_input(http, params, status):
    r = http.get("/api/compare", params=params)
    assert r.status_code == status and r.json()["detail"]


def test_search_zh_en_and_ranking(http):
    zh = http.get("/api/search", params={"q": "红色物业"}).json()
    assert zh["hits"][0]["id"] == "red-property" and zh["hits"][0]["kind"] == "mechanism"
    en = http.get("/api/search", params={"q": "Jinchang"}).json()
    assert en["hits"][0]["kind"] == "locality" and en["hits"][0]["id"] == "jinchang"
    sub = http.get("/api/search", params={"q": "grid"}).json()
    assert sub["total"] > 5 and [h["score"] for h in sub["hits"]] == sorted((h["score"] for h in sub["hits"]), reverse=True)
    doc = http.get("/api/search", params={"q": "网格党建引领网格治理"}).json()
    assert any(h["kind"] == "document" for h in doc["hits"])
    assert http.get("/api/search", params={"q": ""}).status_code == 422
    assert http.get("/api/search", params={"q": "x" * 500}).status_code == 422
    assert http.get("/api/search", params={"q": "zzzzqqq"}).json()["total"] == 0


def test_sources_with_text_and_spans(http):
    items = http.get("/api/sources").json()
    assert len(items) == 5
    s = http.get("/api/sources/002_1f5f9208bb5fe543").json()
    assert len(s["covers"]) == 3 and len(s["text"]) == s["characters"]
    for span in s["spans"][:50]:
        ev = span["evidence"]
        assert s["text"][ev["start"]:ev["end"]] == ev["exact"] and span["supports"]


def test_stats_and_checksum(http, store):
    stats = http.get("/api/stats").json()
    assert stats["totals"]["triples"] == len(store) and len(stats["checksum"]) == 64
    assert stats["checksum"] == http.get("/health").json()["checksum"]


@pytest.mark.parametrize("fmt", ["turtle", "nquads", "jsonld", "csv"])
def test_export(http, store, fmt):
    r = http.get("/api/export", params={"format": fmt})
    assert r.status_code == 200
    if fmt == "nquads":
        ds = Dataset()
        ds.parse(data=r.text, format="nquads")
        assert len(list(ds.quads())) == len(store)
    elif fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(r.text)))) == select(store, "SELECT (COUNT(?a) AS ?n) WHERE { ?a a zl:Adoption }")[0]["n"]
    else:
        assert len(Graph().parse(data=r.text, format="turtle" if fmt == "turtle" else "json-ld")) > 10000
    assert http.get("/api/export", params={"format": "xls"}).status_code == 422


@pytest.mark.parametrize("path", ["/api/localities/nope", "/api/mechanisms/nope", "/api/sources/nope", "/api/documents/nope",
                                  "/api/localities/%22%3E%7D%3BDROP", "/api/mechanisms/category-grid"])
def test_unknown_ids_are_404_with_a_message(http, path):
    r = http.get(path)
    assert r.status_code == 404 and r.json()["detail"]


def test_openapi_documents_every_endpoint(http):
    spec = http.get("/openapi.json").json()
    for path in ["/api/localities", "/api/localities/{locality_id}", "/api/mechanisms", "/api/mechanisms/{mechanism_id}",
                 "/api/compare", "/api/search", "/api/sources", "/api/sources/{source_id}", "/api/stats", "/api/export"]:
        assert path in spec["paths"], path
    assert "LocalityModel" in spec["components"]["schemas"]
    assert http.get("/docs").status_code == 200
