"""`kg build` writes a validated on-disk store; ZHILI_STORE=<folder> serves it read-only, with the
same answers as the in-memory default, and a folder that `kg build` did not write is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, LiveServer
from kg.store import BUILD_INFO, dataset_checksum

KG = str(Path(sys.executable).parent / "kg")


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory):
    location = tmp_path_factory.mktemp("store") / "zhili"
    done = subprocess.run([KG, "build", "--location", str(location)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return location


@pytest.fixture(scope="module")
def disk_server(disk_store):
    server = LiveServer({"ZHILI_STORE": str(disk_store), "ZHILI_QUERY_TIMEOUT": "3"})
    yield server
    server.stop()


def test_build_records_what_was_validated(disk_store, store):
    info = json.loads((disk_store / BUILD_INFO).read_text(encoding="utf-8"))
    assert info["validated"] is True and info["quads"] == len(store)
    assert info["checksum"] == dataset_checksum(store)


def test_disk_store_serves_the_same_dataset(disk_server, store):
    with httpx.Client(base_url=disk_server.url, timeout=30) as http:
        health = http.get("/health").json()
        assert health["checksum"] == dataset_checksum(store) and health["triples"] == len(store)
        assert len(health["workers"]) >= 1
        query = "SELECT ?a ?name WHERE { ?a zl:locality loc:jinchang ; zl:localName ?name } ORDER BY ?a"
        served = http.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
        assert served.status_code == 200
        rows = [(b["a"]["value"], b["name"]["value"]) for b in served.json()["results"]["bindings"]]
        from kg.store import select

        assert rows == [(r["a"], r["name"]) for r in select(store, query)] and len(rows) > 20


def test_disk_and_memory_modes_answer_rest_identically(disk_server, http):
    with httpx.Client(base_url=disk_server.url, timeout=30) as disk:
        for path in ["/api/localities/lanzhou", "/api/mechanisms/red-property", "/api/compare?localities=jinchang,zhushan",
                     "/api/search?q=网格", "/api/stats"]:
            a, b = disk.get(path), http.get(path)
            assert a.status_code == b.status_code == 200, path
            left, right = a.json(), b.json()
            if path == "/api/stats":
                left.pop("store"), right.pop("store")
            assert left == right, path


def test_runaway_query_on_disk_store_is_killed(disk_server):
    explosive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with httpx.Client(base_url=disk_server.url, timeout=30) as http:
        r = http.get("/sparql", params={"query": explosive})
        assert r.status_code == 503 and "time limit" in r.text
        assert http.get("/sparql", params={"query": "ASK { loc:jinchang a zl:Locality }"}).json()["boolean"] is True
        assert http.get("/health").json()["pool"]["timeouts"] >= 1


def test_folder_not_built_by_kg_build_is_refused(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(RuntimeError, match="server exited"):
        LiveServer({"ZHILI_STORE": str(plain)})
    logs = sorted((ROOT / "tests" / "artifacts").glob("server-*.log"), key=lambda p: p.stat().st_mtime)
    assert "not a store written by `kg build --location`" in logs[-1].read_text(errors="replace")


def test_build_refuses_invalid_data_and_writes_nothing(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "kg" / "data", data)
    broken = data / "localities" / "jinchang.ttl"
    broken.write_text(broken.read_text(encoding="utf-8").replace('zl:localName "', 'zl:localName "从未印出的', 1), encoding="utf-8")
    location = tmp_path / "store"
    done = subprocess.run([KG, "build", "--data", str(data), "--location", str(location)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 1 and "refusing to build" in done.stderr
    assert not (location / BUILD_INFO).exists()


def test_snapshot_is_saved_and_keyed(disk_store, store):
    """kg build saves what the service derives; a snapshot for other data is not used."""
    from api.snapshot import SNAPSHOT, read_snapshot

    assert (disk_store / SNAPSHOT).is_file()
    derived = read_snapshot(disk_store, dataset_checksum(store))
    assert derived is not None and len(derived.catalog.localities) == 7
    assert derived.stats["totals"]["triples"] == len(store)
    assert read_snapshot(disk_store, "0" * 64) is None
