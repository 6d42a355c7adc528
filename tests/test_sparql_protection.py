"""The endpoint is read-only, never calls out, stops runaway queries, caps results and rejects junk with 4xx."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from conftest import LIVE_MAX_ROWS, LIVE_TIMEOUT

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def total(http) -> int:
    return int(http.get("/sparql", params={"query": COUNT_ALL}).json()["results"]["bindings"][0]["n"]["value"])


UPDATES = [
    "INSERT DATA { <urn:x> <urn:y> <urn:z> }",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX x: <urn:x> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "DROP ALL",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "CREATE GRAPH <urn:g>",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_by_every_route_and_change_nothing(http, update):
    before = total(http)
    attempts = [
        http.get("/sparql", params={"query": update}),
        http.post("/sparql", data={"query": update}),
        http.post("/sparql", data={"update": update}),
        http.get("/sparql", params={"update": update}),
        http.post("/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-update"}),
        http.post("/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-query"}),
    ]
    for r in attempts:
        assert r.status_code in (400, 403), (r.status_code, r.text)
        assert "read-only" in r.text or "not a SPARQL query" in r.text
    assert total(http) == before


class Listener:
    """A loopback TCP listener that counts connections (the would-be federated endpoint)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def test_federated_queries_are_refused_and_nothing_calls_out(http):
    listener = Listener()
    try:
        url = f"http://127.0.0.1:{listener.port}/sparql"
        queries = [
            f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
            f"select * where {{ ?s ?p ?o . service silent <{url}> {{ ?s ?q ?r }} }}",
            f"PREFIX e: <{url}#> SELECT * WHERE {{ SERVICE <{url}> {{ ?s e:p ?o }} }} LIMIT 1",
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        ]
        for q in queries:
            for r in (http.get("/sparql", params={"query": q}), http.post("/sparql", data={"query": q})):
                assert r.status_code == 400 and "SERVICE" in r.text
        r = http.post("/sparql", data={"update": f"LOAD <{url}>"})
        assert r.status_code == 403
        time.sleep(0.5)
        assert listener.connections == 0
    finally:
        listener.close()


@pytest.mark.parametrize("live", ["embedded"], indirect=True)
def test_query_workers_cannot_reach_the_network(http):
    assert http.get("/health").json()["network_isolated_workers"] is True


def _worker_cpu(http) -> float:
    pids = http.get("/health").json()["workers"]
    procs = [psutil.Process(p) for p in pids]
    for p in procs:
        p.cpu_percent(None)
    time.sleep(1.0)
    return sum(p.cpu_percent(None) for p in procs)


def test_runaway_query_is_stopped_while_others_are_served(http, live):
    workers_before = set(http.get("/health").json()["workers"])
    with ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        slow = pool.submit(http.get, "/sparql", params={"query": EXPLOSIVE})
        time.sleep(0.3)
        quick_started = time.monotonic()
        quick = http.get("/sparql", params={"query": "ASK { loc:jinchang a zl:Locality }"})
        quick_seconds = time.monotonic() - quick_started
        slow_response = slow.result()
        slow_seconds = time.monotonic() - started
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert quick_seconds < LIVE_TIMEOUT
    assert slow_response.status_code == 503 and "time limit" in slow_response.text
    assert slow_seconds <= LIVE_TIMEOUT + 2
    if live.mode == "embedded":
        # the worker that ran the runaway query is gone (killed, its CPU freed) and was replaced
        killed = workers_before - set(http.get("/health").json()["workers"])
        assert killed and not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in killed)
        assert len(http.get("/health").json()["workers"]) == len(workers_before)
        time.sleep(2.0)  # let the replacement finish loading its copy of the graph
        assert _worker_cpu(http) < 10.0
        assert http.get("/health").json()["pool"]["timeouts"] >= 1
    else:
        # Remote mode: the request to the store is abandoned, but Oxigraph's --timeout-s does not interrupt an
        # aggregate over a cross product (see README), so restart the store; the API must recover by itself.
        live.oxigraph.stop()
        live.oxigraph.start()
        assert http.get("/sparql", params={"query": "ASK { loc:jinchang a zl:Locality }"}).json()["boolean"] is True
    server = psutil.Process(live.process.pid)
    server.cpu_percent(None)
    time.sleep(1.0)
    assert server.cpu_percent(None) < 20.0


def test_result_rows_are_capped_with_a_signal(http):
    r = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200
    assert len(r.json()["results"]["bindings"]) == LIVE_MAX_ROWS
    assert "row limit" in r.headers["zhili-truncated"]
    small = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
    assert "zhili-truncated" not in small.headers


def test_oversized_query_is_413(http):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 70_000
    assert http.post("/sparql", data={"query": big}).status_code == 413
    assert http.post("/sparql", content=big.encode(), headers={"Content-Type": "application/sparql-query"}).status_code == 413


@pytest.mark.parametrize("query,fragment", [
    ("SELECT * WHERE { ?s ?p ", "1:"),
    ("SELEC * WHERE { ?s ?p ?o }", "not a SPARQL query"),
    ("SELECT * WHERE { ?s ?p ?o } GROUP BY", "syntax error"),
    ("SELECT ?x WHERE { ?s ?p ?o . FILTER(?o > ) }", "syntax error"),
    ("PREFIX : <x> SELECT * WHERE { ?s :p \"unterminated }", "syntax error"),
])
def test_malformed_queries_get_400_with_the_parser_message(http, query, fragment):
    r = http.get("/sparql", params={"query": query})
    assert r.status_code == 400 and fragment in r.text


def test_junk_bytes_get_4xx(http):
    assert http.post("/sparql", data={"query": "SELECT * WHERE { ?s ?p \x00 }"}).status_code == 400
    r = http.post("/sparql", content=b"SELECT * WHERE { ?s ?p \xff\xfe }", headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and "UTF-8" in r.text
    assert http.post("/sparql", content=b"x", headers={"Content-Type": "image/png"}).status_code == 415
    assert http.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]).status_code == 400
    missing = http.post("/sparql", data={"format": "json"})
    assert missing.status_code == 400 and "missing" in missing.text
    assert http.post("/sparql").status_code == 415
