"""Property-based abuse of /sparql: mutated examples, junk, odd encodings, huge and deeply nested queries,
pathological property paths. Every answer is a result or a clear 4xx (or the 503 of the time limit),
within the limit, and no worker crashes."""

from __future__ import annotations

import os
import time

import httpx
import pytest
from conftest import LIVE_TIMEOUT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.examples import load_examples

VALID = [e.query for e in load_examples()]
PATHOLOGICAL = [
    "SELECT * WHERE " + "{ " * 3000 + "?s ?p ?o" + " }" * 3000,
    "SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }",
    "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * 60 + "}" * 60 + " }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s (<a:b>|^<a:b>|rdfs:label)*/(skos:broader*)* ?o }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s (!(<x:y>))*/(!(<x:y>))* ?o }",
    "SELECT * WHERE { ?s ?p \"" + "x" * 60000 + "\" }",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999999999",
    "SELECT * WHERE { BIND(REPEAT(\"x\", 100000000) AS ?x) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(REGEX(?o, \"(a+)+$\")) }",
    "SELECT (SUM(?x) AS ?s) WHERE { VALUES ?x { " + " ".join(str(i) for i in range(5000)) + " } }",
    "ASK { " + "?s ?p ?o . " * 2000 + "}",
    "\ufeffSELECT * WHERE { ?s ?p ?o } LIMIT 1",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1 \u202e\u0000",
    "PREFIX : <" + "a" * 30000 + "> SELECT * WHERE { ?s :p ?o }",
]


# CI draws the same cases every run (a failure there is reproducible); ZHILI_FUZZ_RANDOM=1 explores anew.
DERANDOMIZE = not os.environ.get("ZHILI_FUZZ_RANDOM")


def acceptable(response: httpx.Response) -> bool:
    if response.status_code < 500:
        return True
    # A 503 that names the wall that stopped the query: the time limit, or the per-worker memory
    # limit (ZHILI_QUERY_MEMORY, whose worker is replaced). Which one a runaway query meets first
    # depends on the machine and on the size of the graph.
    return response.status_code == 503 and ("time limit" in response.text or "ZHILI_QUERY_MEMORY" in response.text)


@st.composite
def mutated_query(draw) -> str:
    q = draw(st.sampled_from(VALID))
    i = draw(st.integers(0, len(q)))
    j = draw(st.integers(i, min(len(q), i + 40)))
    kind = draw(st.sampled_from(["delete", "insert", "truncate", "duplicate", "swap"]))
    if kind == "delete":
        return q[:i] + q[j:]
    if kind == "insert":
        return q[:i] + draw(st.text(max_size=20)) + q[i:]
    if kind == "truncate":
        return q[:i]
    if kind == "duplicate":
        return q[:j] + q[i:j] + q[j:]
    return q[:i] + q[j:] + q[i:j]


payloads = st.one_of(
    mutated_query(),
    st.text(max_size=400),
    st.binary(max_size=400),
    st.sampled_from(VALID).map(lambda q: q.encode("utf-16")),
    st.sampled_from(VALID).map(lambda q: q.encode("utf-8") + b"\xff\xfe\x00"),
)


def send(http: httpx.Client, payload) -> httpx.Response:
    if isinstance(payload, bytes):
        return http.post("/sparql", content=payload, headers={"Content-Type": "application/sparql-query"})
    return http.post("/sparql", data={"query": payload})


def test_fuzzed_queries_get_results_or_clear_errors(http, live):
    tried = {"n": 0}

    @given(payload=payloads)
    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck), derandomize=DERANDOMIZE)
    def check(payload):
        tried["n"] += 1
        started = time.monotonic()
        response = send(http, payload)
        assert acceptable(response), (response.status_code, response.text[:300], payload)
        assert time.monotonic() - started <= LIVE_TIMEOUT + 2

    check()
    assert tried["n"] >= 100
    print(f"sparql fuzz [{live.mode}]: {tried['n']} cases")
    assert http.get("/health").status_code == 200


@pytest.mark.parametrize("query", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
def test_pathological_queries(http, query):
    started = time.monotonic()
    response = http.post("/sparql", data={"query": query})
    assert acceptable(response), (response.status_code, response.text[:300])
    assert time.monotonic() - started <= LIVE_TIMEOUT + 2


def test_no_worker_crashed(http, live):
    health = http.get("/health").json()
    assert health["status"] == "ok"
    if live.mode == "embedded":
        assert health["pool"]["crashed"] == 0 and len(health["workers"]) == 2
