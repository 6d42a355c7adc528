"""Injection, faults, load and data integrity: bad input, load and faults change nothing they must not."""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx
import psutil
import pytest
from conftest import LIVE_TIMEOUT, LiveServer

from api.repository import InvalidBinding, bind
from kg.store import dataset_checksum
from kg.store import build_store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from loadgen import run_load  # noqa: E402

PAYLOADS = ['"> } ; DROP ALL ; #', "jinchang> } INSERT DATA { <urn:a> <urn:b> <urn:c> } #", "<script>alert(1)</script>",
            "' OR 1=1 --", "%00", "../../etc/passwd", "金昌市\u0000"]


def fingerprint(http: httpx.Client) -> tuple[int, str, str]:
    stats = http.get("/api/stats").json()
    export = http.get("/api/export", params={"format": "nquads"}).content
    return stats["totals"]["triples"], stats["checksum"], hashlib.sha256(export).hexdigest()


def test_served_graph_is_the_validated_build(http):
    assert http.get("/api/stats").json()["checksum"] == dataset_checksum(list(build_store()))


def test_placeholders_only_take_iris():
    for payload in PAYLOADS:
        with pytest.raises(InvalidBinding):
            bind("SELECT * WHERE { $x ?p ?o }", {"x": payload})
    assert bind("SELECT * WHERE { $x ?p ?o }", {"x": "https://w3id.org/zhili/id/locality/jinchang"}).count("<https://") == 1


def test_injection_payloads_change_nothing(http):
    before = fingerprint(http)
    for payload in PAYLOADS:
        enc = quote(payload, safe="")
        for path in [f"/api/localities/{enc}", f"/api/mechanisms/{enc}", f"/api/documents/{enc}", f"/api/sources/{enc}",
                     f"/id/locality/{enc}", f"/localities/{enc}"]:
            r = http.get(path, headers={"Accept": "text/turtle"} if path.startswith("/id/") else {})
            assert r.status_code in (404, 406, 422), (path, r.status_code)
        assert http.get("/api/search", params={"q": payload}).status_code in (200, 422)
        assert http.get("/api/compare", params={"localities": f"jinchang,{payload}"}).status_code in (404, 422)
        assert http.get("/compare", params={"localities": ["jinchang", payload]}, headers={"Accept": "text/html"}).status_code == 422
    assert fingerprint(http) == before


@pytest.mark.parametrize("live", ["embedded"], indirect=True)
def test_killed_worker_is_replaced_and_data_unchanged(http):
    before = fingerprint(http)
    workers = http.get("/health").json()["workers"]
    os.kill(workers[0], signal.SIGKILL)
    time.sleep(0.3)
    answers = [http.get("/sparql", params={"query": "ASK { loc:jinchang a zl:Locality }"}) for _ in range(6)]
    assert all(a.status_code in (200, 503) for a in answers)
    assert sum(a.status_code == 200 for a in answers) >= 4
    health = http.get("/health").json()
    assert len(health["workers"]) == 2 and workers[0] not in health["workers"]
    assert fingerprint(http) == before


def test_full_queue_gets_503_then_recovers(tmp_path):
    server = LiveServer({"ZHILI_QUERY_TIMEOUT": "3", "ZHILI_QUEUE_TIMEOUT": "0.5", "ZHILI_QUERY_WORKERS": "1"})
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            before = fingerprint(http)
            explosive = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}
            def ask(n: int) -> httpx.Response:  # four clients (four addresses): the queue, not the per-client limit
                transport = httpx.HTTPTransport(local_address=f"127.0.0.{70 + n}")
                with httpx.Client(base_url=server.url, timeout=30, transport=transport) as client:
                    return client.get("/sparql", params=explosive)

            with ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(ask, range(4)))
            codes = sorted(a.status_code for a in answers)
            assert codes == [503] * 4
            assert sum("busy" in a.text for a in answers) >= 2 and sum("time limit" in a.text for a in answers) >= 1
            assert http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
            assert fingerprint(http) == before
    finally:
        server.stop()


def test_invalid_data_is_never_served(tmp_path):
    import shutil

    from kg.paths import DATA, ROOT

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    shutil.copy(ROOT / "tests" / "fixtures" / "provenance" / "quote-mismatch.ttl", data / "bad.ttl")
    with pytest.raises(RuntimeError):
        LiveServer({"ZHILI_DATA_DIR": str(data)})


@pytest.mark.parametrize("live", ["embedded"], indirect=True)
def test_short_load_with_explosive_queries(live):
    process = psutil.Process(live.process.pid)
    run_load(live.url, clients=8, seconds=3)  # warm-up
    rss_before = process.memory_info().rss
    result = run_load(live.url, clients=20, seconds=10, explosive_every=10)
    rss_after = process.memory_info().rss
    assert result["requests"] > 200 and result["errors"] == []
    assert result["explosive"] and set(result["explosive"]) == {503}
    assert result["p99"] <= LIVE_TIMEOUT + 1
    assert rss_after - rss_before < 64 * 1024 * 1024, (rss_before, rss_after)
