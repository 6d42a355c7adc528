"""REST views over the immutable catalog: the indexed search ranks exactly like a plain scan, and the
response cache serves the same JSON the views produce, within its bounds."""

from __future__ import annotations

import json

import pytest

from api import views
from api.catalog import Catalog, local_id
from api.repository import EmbeddedRepository
from api.response_cache import ResponseCache


@pytest.fixture(scope="module")
def catalog(store):
    return Catalog(EmbeddedRepository(store))


def reference_search(cat: Catalog, query: str) -> list[tuple]:
    """The obvious scan over every name and text, scored as documented in views.SearchIndex."""
    q = views.fold(query.strip())
    entries = []
    for l in cat.localities.values():
        entries.append(("locality", l.id, [l.label.zh, l.label.en], []))
    for m in cat.mechanisms.values():
        entries.append(("mechanism", m.id, [m.label.zh, m.label.en, *m.alt_labels], [m.definition]))
    for a in cat.adoptions.values():
        entries.append(("adoption", a.id, [a.local_name, a.gloss, *a.related_terms], [a.details.zh, a.details.en]))
    for d in cat.documents.values():
        entries.append(("document", d.id, [d.title, d.label.zh, d.label.en], []))
    boost = {"locality": 0.05, "mechanism": 0.04, "document": 0.02, "adoption": 0.0}
    hits = []
    for kind, id_, names, texts in entries:
        best, matched = 0.0, ""
        for name in (n for n in names if n):
            f = views.fold(name)
            score = 1.0 if f == q else 0.8 if f.startswith(q) else 0.6 if q in f else 0.0
            if score > best:
                best, matched = score, name
        if not best:
            for text in (t for t in texts if t):
                if q in views.fold(text):
                    best, matched = 0.3, text
                    break
        if best:
            hits.append((round(best + boost[kind], 3), kind, id_, matched))
    return sorted(hits, key=lambda h: (-h[0], h[1], h[2]))


@pytest.mark.parametrize("query", ["网格", "红色物业", "Grid", "ＧＲＩＤ", "party", "吹哨", "金昌", "街道", "a", "zzz-nothing", "大党委",
                                   "property management", "三"])
def test_indexed_search_equals_a_plain_scan(catalog, query):
    index = views.SearchIndex(catalog)
    hits, total = index.search(query, limit=10_000)
    expected = reference_search(catalog, query)
    assert total == len(expected)
    assert [(h.score, h.kind, h.id, h.matched) for h in hits] == expected


def test_search_limit_keeps_the_best(catalog):
    index = views.SearchIndex(catalog)
    top, total = index.search("网格", limit=5)
    assert len(top) == 5 and total > 5
    assert [h.id for h in top] == [h[2] for h in reference_search(catalog, "网格")[:5]]


def test_cache_serves_what_the_view_builds(catalog):
    cache = ResponseCache()
    loc = next(iter(catalog.localities.values()))
    built = views.locality(catalog, loc)
    first = cache.json(("locality", loc.iri), lambda: views.locality(catalog, loc))
    second = cache.json(("locality", loc.iri), lambda: pytest.fail("a cached view must not be rebuilt"))
    assert first is second
    assert json.loads(first) == built.model_dump(mode="json", by_alias=True)
    assert cache.stats()["hits"] == 1 and cache.stats()["misses"] == 1


def test_cache_is_bounded_by_entries_and_bytes():
    cache = ResponseCache(max_entries=3, max_bytes=10_000)
    for i in range(10):
        cache.json(("k", i), lambda i=i: {"i": i})
    assert cache.stats()["entries"] == 3
    assert cache.json(("k", 9), lambda: pytest.fail("most recent entry was evicted")) == b'{"i":9}'
    big = ResponseCache(max_entries=100, max_bytes=1_000)
    for i in range(20):
        big.json(("b", i), lambda i=i: {"pad": "x" * 300, "i": i})
    assert big.stats()["bytes"] <= 1_000 and big.stats()["entries"] < 20
    assert big.json(("huge",), lambda: {"pad": "y" * 5_000}).startswith(b'{"pad"')  # served, never kept
    assert ("huge",) not in big._items


def test_rest_json_is_the_view(http, catalog):
    """Over HTTP (cached path), the locality JSON equals the view model built in this process."""
    loc = catalog.localities[next(iri for iri in catalog.localities if local_id(iri) == "jinchang")]
    for _ in range(2):  # miss, then hit
        response = http.get("/api/localities/jinchang")
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
        assert response.json() == views.locality(catalog, loc).model_dump(mode="json", by_alias=True)
    assert http.get("/health").json()["response_cache"]["hits"] >= 1
