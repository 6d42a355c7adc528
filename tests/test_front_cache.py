"""`kg serve --front-cache`: Debian's nginx in front of the app, answering repeated GETs from its cache.

Against the real `kg serve` with the real nginx: a repeated GET is a HIT with the app's bytes and headers;
variants negotiated on Accept and Accept-Language stay apart; revalidation gets a 304; errors, POSTs and
/health always reach the app; per-client fairness still sees each client's own address; and stopping the
service stops nginx and removes its folder."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest
from conftest import LiveServer
from test_fairness import EXPLOSIVE, _client
from test_http_cache import GETS

from api.front_cache import STATUS_HEADER, FrontCache, FrontCacheError
from api.settings import Settings

HOP_HEADERS = {"date", "connection", "keep-alive", STATUS_HEADER.lower()}


@pytest.fixture(scope="module")
def front():
    server = LiveServer({"ZHILI_QUERY_TIMEOUT": "2", "ZHILI_QUERY_WORKERS": "2", "ZHILI_QUEUE_TIMEOUT": "20"},
                        args=("--front-cache",))
    yield server
    server.stop()


def _headers(response: httpx.Response) -> list[tuple[str, str]]:
    return sorted((k.lower(), v) for k, v in response.headers.items() if k.lower() not in HOP_HEADERS)


def test_a_repeated_get_is_a_hit_with_the_apps_bytes_and_headers(front):
    with httpx.Client(base_url=front.url, timeout=30) as client:
        for path, params, headers in GETS:
            first = client.get(path, params=params, headers=headers)
            assert first.status_code == 200, (path, first.text[:200])
            assert first.headers[STATUS_HEADER] == "MISS", path
            again = client.get(path, params=params, headers=headers)
            assert again.headers[STATUS_HEADER] == "HIT", path
            assert again.content == first.content, path
            assert _headers(again) == _headers(first), path
            assert again.headers["etag"].startswith('W/"') and "max-age=" in again.headers["cache-control"]


def test_variants_negotiated_on_accept_and_language_stay_apart(front):
    query = {"query": "SELECT ?s WHERE { ?s a zl:Locality } ORDER BY ?s LIMIT 2"}
    types = {"application/sparql-results+json": "application/sparql-results+json",
             "application/sparql-results+xml": "application/sparql-results+xml", "text/csv": "text/csv"}
    with httpx.Client(base_url=front.url, timeout=30) as client:
        for _ in range(2):  # the second round is served from the cache, each type its own variant
            for accept, expected in types.items():
                r = client.get("/sparql", params=query, headers={"Accept": accept})
                assert r.status_code == 200 and r.headers["content-type"].startswith(expected), (accept, r.headers)
        assert all(client.get("/sparql", params=query, headers={"Accept": a}).headers[STATUS_HEADER] == "HIT"
                   for a in types)
        pages = {}
        for language in ("zh", "en", "zh", "en"):
            r = client.get("/localities", headers={"Accept": "text/html", "Accept-Language": language})
            assert r.status_code == 200
            pages.setdefault(language, set()).add(r.text)
        assert all(len(bodies) == 1 for bodies in pages.values())
        assert '<html lang="zh' in next(iter(pages["zh"])) and '<html lang="en' in next(iter(pages["en"]))


def test_revalidation_gets_304_from_the_cache(front):
    params = {"query": "ASK { loc:jinchang a zl:Locality }"}
    with httpx.Client(base_url=front.url, timeout=30) as client:
        tag = client.get("/sparql", params=params).headers["etag"]
        client.get("/sparql", params=params)
        revalidated = client.get("/sparql", params=params, headers={"If-None-Match": tag})
        assert revalidated.status_code == 304 and revalidated.content == b""
        assert revalidated.headers["etag"] == tag and revalidated.headers[STATUS_HEADER] == "HIT"
        assert client.get("/sparql", params=params, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_errors_posts_and_health_always_reach_the_app(front):
    refused = {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}
    with httpx.Client(base_url=front.url, timeout=30) as client:
        answers = [client.get("/sparql", params=refused) for _ in range(2)]
        assert [a.status_code for a in answers] == [400, 400]
        assert answers[1].headers[STATUS_HEADER] == "MISS" and "SERVICE" in answers[1].text
        posts = [client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"}) for _ in range(2)]
        assert [p.status_code for p in posts] == [200, 200]
        assert all(p.headers.get(STATUS_HEADER, "") != "HIT" for p in posts)
        health = [client.get("/health") for _ in range(2)]
        assert [h.status_code for h in health] == [200, 200] and health[1].headers[STATUS_HEADER] == "MISS"
        missing = client.get("/id/locality/no-such-place", headers={"Accept": "text/turtle"})
        assert missing.status_code == 404
        assert client.get("/id/locality/no-such-place", headers={"Accept": "text/turtle"}).headers[STATUS_HEADER] \
            == "MISS"


def test_fairness_counts_each_client_behind_the_cache(front):
    """ZHILI_CLIENT_QUERIES is 2: a client with three slow queries at once gets one 429, while another client's
    query is not refused. Were every client seen as the proxy, the four would give two 429s."""
    results: list[tuple[int, int]] = []

    def ask(n: int, k: int) -> None:
        with _client(n) as client:
            text = f"{EXPLOSIVE}\n# {n}-{k}-{time.time_ns()}"  # distinct texts: none waits on another's cache lock
            results.append((n, client.get(front.url + "/sparql", params={"query": text}).status_code))

    threads = [threading.Thread(target=ask, args=(71, k)) for k in range(3)]
    threads.append(threading.Thread(target=ask, args=(72, 0)))
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    refusals = [n for n, code in results if code == 429]
    assert refusals == [71], results


def test_stopping_the_service_stops_nginx_and_removes_its_folder():
    server = LiveServer({}, args=("--front-cache",))
    try:
        masters = [p for p in psutil.Process(server.process.pid).children(recursive=True) if p.name() == "nginx"]
        assert masters, "no nginx under kg serve"
        folder = Path(masters[0].cmdline()[masters[0].cmdline().index("-p") + 1])
        assert (folder / "nginx.conf").is_file()
        workers = [c for m in masters for c in m.children(recursive=True)]
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=30)
        server.log.close()
    gone, alive = psutil.wait_procs(masters + workers, timeout=10)
    assert not alive and not folder.exists()


def test_a_cache_smaller_than_a_megabyte_is_refused_before_nginx_starts():
    settings = Settings(front_cache_bytes=1000)
    with pytest.raises(FrontCacheError, match="ZHILI_FRONT_CACHE_BYTES"):
        FrontCache("127.0.0.1", 1, 2, settings).start()
