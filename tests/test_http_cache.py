"""HTTP caching: validators on every GET answer, 304 on revalidation, and the SPARQL answer cache (exact,
bounded). A release switch changing every tag is checked in tests/test_releases.py, where releases switch."""

from __future__ import annotations

import random
import uuid

import pytest

from api.response_cache import AnswerCache
from api.sparql.pool import QueryOutcome

pytestmark = pytest.mark.parametrize("live", ["embedded"], indirect=True)

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


def test_a_tag_never_seen_by_this_process_is_still_honoured(http):
    """`If-None-Match: *` on a URL never asked before: the handler runs and its 200 becomes a bare 304."""
    query = f"ASK {{ ?s ?p ?o }} # {uuid.uuid4()}"
    r = http.get("/sparql", params={"query": query}, headers={"If-None-Match": "*"})
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"].startswith('W/"')
    assert "content-type" not in r.headers


def test_no_validators_on_errors_posts_or_live_state(http):
    bad = http.get("/sparql", params={"query": "SELECT nonsense"})
    assert bad.status_code == 400 and "etag" not in bad.headers
    post = http.post("/sparql", data={"query": ORDERED})
    assert post.status_code == 200 and "etag" not in post.headers
    assert "etag" not in http.get("/health").headers


FORMATS = [("json", ORDERED), ("xml", ORDERED), ("csv", ORDERED), ("tsv", ORDERED),
           ("turtle", "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l } ORDER BY ?s ?l LIMIT 30"),
           ("jsonld", "DESCRIBE <https://w3id.org/zhili/id/locality/jinchang>")]


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


def test_the_answer_cache_never_exceeds_its_bound(http):
    rng = random.Random(7)
    cache = AnswerCache(max_bytes=50_000)
    for n in range(2000):
        body = b"x" * rng.choice([0, 10, 500, 3000, 12_000, 13_000])
        key = cache.key(f"SELECT * WHERE {{ ?s ?p {n} }}", "json", (), (), 100, 1000)
        cache.put(key, QueryOutcome(True, body), body)
        assert cache.bytes <= cache.max_bytes
        assert cache.bytes == sum(size for _, size in cache._items.values())
    assert cache.get(key) is not None or len(body) + len(key[0]) + AnswerCache.OVERHEAD > 50_000 // 4
    assert cache.get(cache.key("SELECT * WHERE { ?s ?p 0 }", "json", (), (), 100, 1000)) is None  # dropped first
    # and the server's own cache, after the answers above: within ZHILI_ANSWER_CACHE_BYTES
    stats = http.get("/health").json()["answer_cache"]
    assert stats["entries"] > 0 and 0 < stats["bytes"] <= stats["max_bytes"] == 64 * 1024 ** 2
