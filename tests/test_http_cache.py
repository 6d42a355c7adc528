"""HTTP caching: validators on every GET answer, 304 on revalidation, and the SPARQL answer cache (exact,
bounded). A release switch changing every tag is checked in tests/test_releases.py, where releases switch."""

from __future__ import annotations

import random
import uuid

import pytest

from api.response_cache import AnswerCache
from api.sparql.pool import QueryOutcome

LIVE = pytest.mark.parametrize("live", ["embedded"], indirect=True)

ORDERED = "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label LIMIT 40"
GETS = [
    ("/sparql", {"query": ORDERED}, {"Accept": "application/sparql-results+json"}),
    ("/sparql", {"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"}, {"Accept": "text/turtle"}),
    ("/sparql", {}, {"Accept": "text/turtle"}),  # the service description
    ("/api/localities/jinchang", {}, {"Accept": "application/json"}),
    ("/api/localities/jinchang", {}, {"Accept": "application/ld+json"}),
    ("/id/locality/jinchang", {}, {"Accept": "text/turtle"}),
    ("/api/export", {"format": "nquads"}, {}),
    ("/api/localities", {"lang": "en"}, {"Accept": "text/html"}),
    ("/", {"lang": "zh"}, {"Accept": "text/html"}),
    ("/", {}, {"Accept": "text/html", "Accept-Language": "en"}),
]


@LIVE
def test_a_client_revalidates_and_gets_304(http):
    seen = set()
    for path, params, headers in GETS:
        first = http.get(path, params=params, headers=headers)
        assert first.status_code == 200, (path, first.status_code, first.text[:300])
        tag = first.headers["etag"]
        assert tag.startswith('W/"') and tag not in seen, (path, tag)
        seen.add(tag)
        assert first.headers["cache-control"] == "public, max-age=300"
        vary = {v.strip().lower() for v in first.headers["vary"].split(",")}
        assert "accept" in vary
        if first.headers["content-type"].startswith("text/html"):
            assert "accept-language" in vary, path
        again = http.get(path, params=params, headers={**headers, "If-None-Match": tag})
        assert again.status_code == 304 and again.content == b"", (path, again.status_code)
        assert again.headers["etag"] == tag and again.headers["cache-control"] == first.headers["cache-control"]
        assert {v.strip().lower() for v in again.headers["vary"].split(",")} == vary
        # a list of tags, one of them ours, and the strong form of ours both match (weak comparison)
        listed = http.get(path, params=params, headers={**headers, "If-None-Match": f'"other", {tag[2:]}'})
        assert listed.status_code == 304
        stale = http.get(path, params=params, headers={**headers, "If-None-Match": 'W/"not-this-one"'})
        assert stale.status_code == 200 and stale.headers["etag"] == tag


@LIVE
def test_every_negotiated_header_changes_the_tag(http):
    json = http.get("/api/localities/jinchang", headers={"Accept": "application/json"})
    jsonld = http.get("/api/localities/jinchang", headers={"Accept": "application/ld+json"})
    assert json.headers["etag"] != jsonld.headers["etag"]
    # the JSON-LD client revalidating with the JSON tag gets the whole JSON-LD answer, never a 304
    crossed = http.get("/api/localities/jinchang", headers={"Accept": "application/ld+json",
                                                            "If-None-Match": json.headers["etag"]})
    assert crossed.status_code == 200 and crossed.content == jsonld.content
    zh = http.get("/", headers={"Accept": "text/html", "Accept-Language": "zh-CN"})
    en = http.get("/", headers={"Accept": "text/html", "Accept-Language": "en"})
    assert zh.headers["etag"] != en.headers["etag"] and zh.content != en.content


@LIVE
def test_a_tag_never_seen_by_this_process_is_still_honoured(http):
    """`If-None-Match: *` on a URL never asked before: the handler runs and its 200 becomes a bare 304."""
    query = f"ASK {{ ?s ?p ?o }} # {uuid.uuid4()}"
    r = http.get("/sparql", params={"query": query}, headers={"If-None-Match": "*"})
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"].startswith('W/"')
    assert "content-type" not in r.headers


@LIVE
def test_no_validators_on_errors_posts_or_live_state(http):
    bad = http.get("/sparql", params={"query": "SELECT nonsense"})
    assert bad.status_code == 400 and "etag" not in bad.headers
    post = http.post("/sparql", data={"query": ORDERED})
    assert post.status_code == 200 and "etag" not in post.headers
    assert "etag" not in http.get("/health").headers


FORMATS = [("json", ORDERED), ("xml", ORDERED), ("csv", ORDERED), ("tsv", ORDERED),
           ("turtle", "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l } ORDER BY ?s ?l LIMIT 30"),
           ("jsonld", "DESCRIBE <https://w3id.org/zhili/id/locality/jinchang>")]


@LIVE
@pytest.mark.parametrize("fmt,query", FORMATS)
def test_a_cached_answer_is_byte_identical_to_an_uncached_one(http, fmt, query):
    fresh = f"{query}\n# {uuid.uuid4()}"  # a text this server has never seen
    first = http.get("/sparql", params={"query": fresh, "format": fmt})
    assert first.status_code == 200 and first.headers["zhili-answer-cache"] == "miss"
    # the same query with other white space around it, and by POST: the same cache entry
    second = http.post("/sparql", data={"query": f"\n  {fresh}\r\n", "format": fmt})
    assert second.headers["zhili-answer-cache"] == "hit"
    third = http.get("/sparql", params={"query": fresh, "format": fmt})
    assert third.headers["zhili-answer-cache"] == "hit"
    assert first.content == second.content == third.content
    for name in ("content-type", "zhili-rows"):
        assert first.headers[name] == second.headers[name] == third.headers[name]
    # a different dataset is another entry, never the cached answer of the whole dataset
    narrowed = http.get("/sparql", params={"query": fresh, "format": fmt,
                                           "default-graph-uri": "https://w3id.org/zhili/graph/localities/jinchang"})
    assert narrowed.headers["zhili-answer-cache"] == "miss"


@LIVE
def test_the_answer_cache_never_exceeds_its_bound(http):
    rng = random.Random(7)
    cache = AnswerCache(max_bytes=50_000)
    for n in range(2000):
        body = b"x" * rng.choice([0, 10, 500, 3000, 12_000, 13_000])
        key = cache.key(f"SELECT * WHERE {{ ?s ?p {n} }}", "json", (), (), 100, 1000)
        cache.put(key, QueryOutcome(True, body), body)
        # finished responses of the answer count toward the same bound and leave with it
        cache.finish(key, ("release", str(n).encode(), b"", True, b"", True, False), [(b"etag", b"x" * 40)] * 3)
        assert cache.bytes <= cache.max_bytes
        assert cache.bytes == sum(entry.size for entry in cache._items.values())
        assert all(request in cache._items[answer].finished for request, answer in cache._routes.items())
        assert len(cache._routes) == sum(len(entry.finished) for entry in cache._items.values())
    assert cache.get(key) is not None or len(body) + len(key[0]) + AnswerCache.OVERHEAD > 50_000 // 4
    assert cache.get(cache.key("SELECT * WHERE { ?s ?p 0 }", "json", (), (), 100, 1000)) is None  # dropped first
    # and the server's own cache, after the answers above: within ZHILI_ANSWER_CACHE_BYTES
    stats = http.get("/health").json()["answer_cache"]
    assert stats["entries"] > 0 and 0 < stats["bytes"] <= stats["max_bytes"] == 64 * 1024 ** 2


def fast_hits(http) -> int:
    return http.get("/health").json()["answer_cache"]["fast_hits"]


def without_status(response) -> list[tuple[bytes, bytes]]:
    """The complete header list in order, less what legitimately differs: Date and the cache-status header."""
    return [(k.lower(), v) for k, v in response.headers.raw if k.lower() not in (b"date", b"zhili-answer-cache")]


@LIVE
@pytest.mark.parametrize("params,headers", [
    ({}, {"Accept": "application/sparql-results+json"}),
    ({}, {"Accept": "text/csv", "Origin": "https://elsewhere.example", "Accept-Language": "en"}),  # CORS headers
    ({"format": "xml"}, {}),
    ({"default-graph-uri": "https://w3id.org/zhili/graph/localities/jinchang"}, {"Accept": "text/tab-separated-values"}),
])
def test_a_repeated_get_is_sent_by_the_fast_path_byte_identical(http, params, headers):
    params = {"query": f"{ORDERED}\n# {uuid.uuid4()}", **params}
    first = http.get("/sparql", params=params, headers=headers)
    assert first.status_code == 200 and first.headers["zhili-answer-cache"] == "miss"
    before = fast_hits(http)
    second = http.get("/sparql", params=params, headers=headers)
    assert fast_hits(http) == before + 1  # sent by AnswerFastPath, not by the router
    assert second.status_code == 200 and second.headers["zhili-answer-cache"] == "hit"
    assert without_status(second) == without_status(first) and second.content == first.content
    names = {k for k, _ in without_status(first)}
    assert {b"etag", b"cache-control", b"vary", b"x-content-type-options", b"referrer-policy", b"zhili-rows",
            b"content-type", b"content-length"} <= names
    assert (b"access-control-allow-origin" in names) == ("Origin" in headers)
    # the same query with the other Origin presence is another response: never the one with (or without) CORS
    other = {**headers, "Origin": "https://x.example"} if "Origin" not in headers else \
        {k: v for k, v in headers.items() if k != "Origin"}
    crossed = http.get("/sparql", params=params, headers=other)
    assert fast_hits(http) == before + 1 and crossed.headers["zhili-answer-cache"] == "hit"
    assert ("access-control-allow-origin" in crossed.headers) == ("Origin" in other)


@LIVE
def test_the_fast_path_is_not_used_for_posts_heads_conditionals_or_another_accept(http):
    query = f"{ORDERED}\n# {uuid.uuid4()}"
    json = {"Accept": "application/sparql-results+json"}
    first = http.get("/sparql", params={"query": query}, headers=json)
    assert http.get("/sparql", params={"query": query}, headers=json).headers["zhili-answer-cache"] == "hit"
    before = fast_hits(http)
    post = http.post("/sparql", data={"query": query}, headers=json)
    assert post.headers["zhili-answer-cache"] == "hit" and post.content == first.content and "etag" not in post.headers
    head = http.head("/sparql", params={"query": query}, headers=json)
    assert head.content == b"" and "zhili-answer-cache" not in head.headers  # the router's answer (no HEAD route)
    revalidated = http.get("/sparql", params={"query": query}, headers={**json, "If-None-Match": first.headers["etag"]})
    assert revalidated.status_code == 304 and revalidated.content == b""
    stale = http.get("/sparql", params={"query": query}, headers={**json, "If-None-Match": 'W/"other"'})
    assert stale.status_code == 200 and stale.content == first.content
    csv = http.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv") and csv.content != first.content
    page = http.get("/sparql", params={"query": query}, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert fast_hits(http) == before


def test_a_release_switch_drops_the_finished_responses():
    """Service.adopt (the remote-mode switch) replaces the answer cache, and the fast path's responses with it;
    in process, with the real app, so the switch needs no second store."""
    from starlette.testclient import TestClient

    from api.app import create_app
    from api.snapshot import Derived

    with TestClient(create_app()) as client:
        service = client.app.state.service
        params, json = {"query": ORDERED}, {"Accept": "application/sparql-results+json"}
        first = client.get("/sparql", params=params, headers=json)
        second = client.get("/sparql", params=params, headers=json)
        old = service.answers
        assert second.headers["zhili-answer-cache"] == "hit" and old.fast_hits == 1
        service.adopt(service.repo, Derived(service.catalog, service.search, service.extra["class_counts"],
                                            service.extra["stats"]), "another-release", service.triples)
        third = client.get("/sparql", params=params, headers=json)
        assert third.headers["zhili-answer-cache"] == "miss" and third.headers["etag"] != first.headers["etag"]
        assert third.content == first.content and old.fast_hits == 1 and service.answers.fast_hits == 0
        fourth = client.get("/sparql", params=params, headers=json)
        assert service.answers.fast_hits == 1 and without_status(fourth) == without_status(third)
