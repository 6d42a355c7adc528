"""Remote-store mode against a live Oxigraph server: loading, faults and recovery, docker-compose."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from conftest import LiveServer, OxigraphServer

from kg.cli import build_parser
from kg.paths import DATA, ROOT
from kg.release import RELEASES

KG = str(Path(sys.executable).parent / "kg")
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def quads(oxigraph: OxigraphServer) -> int:
    r = httpx.post(oxigraph.query_url, data={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture()
def oxigraph(tmp_path):
    server = OxigraphServer(tmp_path / "store")
    yield server
    server.stop()


def release_quads(oxigraph: OxigraphServer) -> int:
    """Quads in the data graphs of releases (not the release record and pointer)."""
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), \"{RELEASES}\") && CONTAINS(SUBSTR(STR(?g), {len(RELEASES) + 1}), \"/\")) }}"
    r = httpx.post(oxigraph.query_url, data={"query": q}, headers={"Accept": "application/sparql-results+json"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_load_is_idempotent_and_one_graph_per_file(oxigraph, store):
    first = subprocess.run([KG, "load", "--endpoint", oxigraph.store_url], capture_output=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert release_quads(oxigraph) == len(store)
    subprocess.run([KG, "load", "--endpoint", oxigraph.store_url], check=True, capture_output=True, timeout=300)
    assert release_quads(oxigraph) == len(store)
    r = httpx.post(oxigraph.query_url, data={"query": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
                   headers={"Accept": "application/sparql-results+json"})
    # one graph per file, the release's union graph (its default graph), the release record and the pointer
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) == len({q.graph_name for q in store}) + 3


def test_load_refuses_a_dataset_that_fails_validation(oxigraph, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    shutil.copy(ROOT / "tests" / "fixtures" / "qc" / "dangling-reference.ttl", data / "broken.ttl")
    result = subprocess.run([KG, "load", "--endpoint", oxigraph.store_url, "--data", str(data)], capture_output=True, timeout=300)
    assert result.returncode == 1 and b"refusing to load" in result.stderr
    assert quads(oxigraph) == 0


def test_store_down_then_back(tmp_path):
    oxigraph = OxigraphServer(tmp_path / "store")
    oxigraph.load()
    api = None
    try:
        api = LiveServer({"ZHILI_STORE": oxigraph.query_url, "ZHILI_QUERY_TIMEOUT": "3"})  # inside: a server that fails to start leaves no store behind
        with httpx.Client(base_url=api.url, timeout=30) as http:
            q = {"query": "ASK { loc:jinchang a zl:Locality }"}
            count = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
            before = http.get("/sparql", params=count).json()
            assert http.get("/sparql", params=q).json()["boolean"] is True
            oxigraph.stop()
            down = http.get("/sparql", params={"query": q["query"] + " # not asked before"})
            assert down.status_code == 503 and "store unavailable" in down.text
            # an answer already given is exact for the whole release: still served, from the answer cache
            remembered = http.get("/sparql", params=q)
            assert remembered.json()["boolean"] is True and remembered.headers["zhili-answer-cache"] == "hit"
            health = http.get("/health")
            assert health.status_code == 503 and health.json()["ok"] is False
            assert http.get("/id/locality/jinchang", headers={"Accept": "text/turtle"}).status_code == 503
            assert http.get("/api/localities").status_code == 200  # served from the catalog read at start-up
            oxigraph.start()
            assert http.get("/sparql", params=q).json()["boolean"] is True
            assert http.get("/health").status_code == 200
            assert http.get("/id/locality/jinchang", headers={"Accept": "text/turtle"}).status_code == 200
            assert http.get("/sparql", params=count).json() == before  # the store's data is unchanged
    finally:
        if api is not None:
            api.stop()
        oxigraph.stop()


def test_truncated_answer_from_the_store_is_504(tmp_path):
    """Oxigraph's own --timeout-s answers HTTP 200 and cuts the JSON off mid-stream."""
    oxigraph = OxigraphServer(tmp_path / "store", timeout_s=1)
    oxigraph.load()
    api = None
    try:
        api = LiveServer({"ZHILI_STORE": oxigraph.query_url, "ZHILI_QUERY_TIMEOUT": "20"})  # inside: a server that fails to start leaves no store behind
        with httpx.Client(base_url=api.url, timeout=60) as http:
            started = time.monotonic()
            # a query that yields no row before the store's limit (a plain cross product fills the row cap first,
            # and a capped answer is a correct 200: the stream is read only that far)
            slow = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f FILTER(STRLEN(STR(?c)) + STRLEN(STR(?f)) = 99999) }"
            r = http.get("/sparql", params={"query": slow})
            assert r.status_code == 504 and "truncated" in r.text
            assert time.monotonic() - started < 20
            assert http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    finally:
        if api is not None:
            api.stop()
        oxigraph.stop()


def test_docker_compose_is_valid_and_matches_cli_and_settings():
    compose = ROOT / "docker-compose.yml"
    check = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    result = subprocess.run([check, "--builtin-schema", "vendor.compose-spec", str(compose)], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    spec = yaml.safe_load(compose.read_text(encoding="utf-8"))
    services = spec["services"]
    assert {"store", "loader", "api"} <= set(services)
    parser = build_parser()
    for name in ("loader", "api"):
        command = services[name]["command"]
        assert command[0] == "kg"
        parser.parse_args(command[1:])  # exits (fails the test) on an unknown subcommand or option
    settings_source = (ROOT / "api" / "settings.py").read_text(encoding="utf-8")
    for name, service in services.items():
        for variable in (service.get("environment") or {}):
            if variable.startswith("ZHILI_"):
                assert f'"{variable}"' in settings_source, f"{name}: {variable} is not a setting"
    assert services["api"]["environment"]["ZHILI_STORE"].startswith("http://store:")
    assert services["loader"]["depends_on"]["store"]["condition"] == "service_healthy"
    assert services["api"]["depends_on"]["loader"]["condition"] == "service_completed_successfully"
    assert "healthcheck" in services["store"] and "healthcheck" in services["api"]
    assert "oxigraph" in " ".join(services["store"]["command"])
    # the store and the query path sit on an internal network without egress; only the api is published
    assert spec["networks"]["backend"]["internal"] is True
    assert services["store"]["networks"] == ["backend"] and services["loader"]["networks"] == ["backend"]
    assert "backend" in services["api"]["networks"]
    assert [name for name, service in services.items() if service.get("ports")] == ["api", "api-virtuoso"]

    # profile `virtuoso`: the same stack on Virtuoso, the same network layout, the api on another host port
    virtuoso = {"virtuoso", "loader-virtuoso", "api-virtuoso"}
    assert {name for name, service in services.items() if service.get("profiles")} == virtuoso
    assert all(services[name]["profiles"] == ["virtuoso"] for name in virtuoso)
    for name in ("loader-virtuoso", "api-virtuoso"):
        command = services[name]["command"]
        assert command[0] == "kg"
        parser.parse_args(command[1:])
    assert services["loader-virtuoso"]["command"][1:] == ["load", "--endpoint", "http://virtuoso:8890/sparql-graph-crud-auth"]
    assert services["api-virtuoso"]["environment"]["ZHILI_STORE"] == "http://virtuoso:8890/sparql"
    assert services["virtuoso"]["networks"] == ["backend"] and services["loader-virtuoso"]["networks"] == ["backend"]
    assert sorted(services["api-virtuoso"]["networks"]) == ["backend", "frontend"]
    assert services["api-virtuoso"]["ports"] == ["8001:8000"] and services["api"]["ports"] == ["8000:8000"]
    assert services["loader-virtuoso"]["depends_on"]["virtuoso"]["condition"] == "service_healthy"
    assert services["api-virtuoso"]["depends_on"]["loader-virtuoso"]["condition"] == "service_completed_successfully"
    assert "healthcheck" in services["virtuoso"] and "healthcheck" in services["api-virtuoso"]
    build = services["virtuoso"]["build"]
    dockerfile = ROOT / build["context"] / build["dockerfile"]
    assert dockerfile == ROOT / "store" / "virtuoso.Dockerfile" and "FROM debian:bookworm-slim" in dockerfile.read_text()
    assert "virtuoso-data:/database" in services["virtuoso"]["volumes"] and "virtuoso-data" in spec["volumes"]
    # no password in the file: it comes from the environment, and only the loader and the store get it;
    # `${VAR:?}` would break a plain `docker compose up` (compose interpolates services of every profile)
    import re

    def strings(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield str(key)
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)
        elif isinstance(node, str):
            yield node

    assert not [value for value in strings(spec) if re.search(r"\$\{[^}]*\?", value)]
    assert services["virtuoso"]["environment"]["DBA_PASSWORD"] == "${ZHILI_STORE_PASSWORD:-}"
    assert services["loader-virtuoso"]["environment"]["ZHILI_STORE_PASSWORD"] == "${ZHILI_STORE_PASSWORD:-}"
    assert not any("PASSWORD" in variable for variable in services["api-virtuoso"]["environment"])
    # the image's ini listens on every address of the container for HTTP, on its loopback for SQL
    ini = (ROOT / "store" / "virtuoso.ini").read_text(encoding="utf-8")
    assert "ServerPort           = 8890\n" in ini and "ServerPort           = 127.0.0.1:1111\n" in ini
