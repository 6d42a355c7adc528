"""The query workers' walls, each tested on its own: memory limit, seccomp without CAP_SYS_ADMIN,
death with the server, and dataset parameters that cannot crash a worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
import pyoxigraph as ox
import pytest
from conftest import LiveServer
from test_sparql_protection import Listener

from kg.namespaces import PREFIXES

ROOT = Path(__file__).resolve().parent.parent
MEMORY_HOG = ('SELECT (STRLEN(GROUP_CONCAT(?big)) AS ?n) WHERE {{ ?s ?p ?o . ?a ?b ?c BIND("{}" AS ?big) }}'
              .format("x" * 60_000))
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
NO_CAPS = ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]  # root without any capability, as in a default container


def tree_rss(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


@pytest.fixture(scope="module")
def walled():
    server = LiveServer({"ZHILI_QUERY_TIMEOUT": "20", "ZHILI_QUERY_MEMORY": "600M", "ZHILI_QUEUE_TIMEOUT": "20"})
    yield server
    server.stop()


def test_a_query_over_the_memory_limit_is_stopped_and_its_worker_replaced(walled):
    health = httpx.get(walled.url + "/health").json()
    assert health["worker_walls"]["memory_limit"] == 600 * 2**20
    before = set(health["workers"])
    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], max((tree_rss([p]) for p in before), default=0))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    r = httpx.post(walled.url + "/sparql", data={"query": MEMORY_HOG}, timeout=60)
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    assert r.status_code == 503 and "memory" in r.text and "ZHILI_QUERY_MEMORY" in r.text
    assert seconds < 20, "answered within the time limit, by the memory wall, not the clock"
    assert peak[0] < 600 * 2**20 + 200 * 2**20, f"peak worker RSS {peak[0] / 2**20:.0f} MiB"
    print(f"memory hog: answered in {seconds:.1f} s; peak worker RSS {peak[0] / 2**20:.0f} MiB (limit 600 MiB)")
    after = httpx.get(walled.url + "/health").json()
    assert after["pool"]["memory_exceeded"] >= 1
    assert len(after["workers"]) == len(before) and set(after["workers"]) != before
    ok = httpx.get(walled.url + "/sparql", params={"query": "ASK { loc:jinchang a zl:Locality }"})
    assert ok.status_code == 200 and ok.json()["boolean"] is True


@pytest.mark.parametrize("iri", ["urn:%ZZ", "urn:a\tb", "http://example.org/a\nb", "relative/graph", "http://[::1", ""])
@pytest.mark.parametrize("param", ["named-graph-uri", "default-graph-uri"])
def test_a_malformed_graph_iri_is_400_and_no_worker_is_lost(walled, iri, param):
    before = httpx.get(walled.url + "/health").json()["pool"]
    r = httpx.get(walled.url + "/sparql", params={"query": "SELECT * { GRAPH ?g { ?s ?p ?o } } LIMIT 1", param: iri})
    assert r.status_code == 400 and "invalid graph IRI" in r.text
    after = httpx.get(walled.url + "/health").json()["pool"]
    assert (after["started"], after["crashed"]) == (before["started"], before["crashed"])


def test_a_worker_given_a_bad_graph_iri_directly_answers_400_and_lives():
    from api.sparql.pool import QueryJob, evaluate

    outcome = evaluate(ox.Store(), QueryJob("ASK {}", "ASK", "json", named_graphs=("urn:%ZZ",)))
    assert not outcome.ok and outcome.status == 400


def _probe(source: Path, query: str, prefix: list[str]) -> dict:
    run = subprocess.run(prefix + [sys.executable, str(ROOT / "tests" / "sandbox_probe.py"), str(source), query],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_seccomp_alone_keeps_a_worker_off_the_network(tmp_path):
    """Started without CAP_SYS_ADMIN, the worker gets no network namespace; the guard is bypassed
    (the job goes straight to the pool); seccomp alone must stop the SERVICE call."""
    source = tmp_path / "data.nq"
    source.write_text("<urn:s> <urn:p> <urn:o> .\n")
    listener = Listener()
    try:
        query = f"SELECT * WHERE {{ ?s ?p ?o . SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?a ?b ?c }} }}"
        # control: the same engine, unwalled, does call out (so the assertion below can fail)
        try:
            store = ox.Store()
            store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o")))
            list(store.query(query, prefixes=PREFIXES))
        except OSError:
            pass
        time.sleep(0.3)
        assert listener.connections >= 1
        called_before = listener.connections
        result = _probe(source, query, NO_CAPS)
        time.sleep(0.3)
        assert result["walls"]["network_namespace"] is False, "this test needs a process without CAP_SYS_ADMIN"
        assert result["walls"]["seccomp"] is True and result["walls"]["parent_death"] is True
        assert not result["ok"] and "not permitted" in result["error"].lower()
        assert listener.connections == called_before
    finally:
        listener.close()


def test_a_server_without_cap_sys_admin_still_walls_its_workers():
    server = LiveServer({"ZHILI_QUERY_TIMEOUT": "5"}, prefix=NO_CAPS)
    try:
        health = httpx.get(server.url + "/health").json()
        assert health["network_isolated_workers"] is False
        assert health["worker_walls"]["seccomp"] is True and health["worker_walls"]["parent_death"] is True
        r = httpx.get(server.url + "/sparql", params={"query": "ASK { loc:jinchang a zl:Locality }"})
        assert r.status_code == 200 and r.json()["boolean"] is True
    finally:
        server.stop()


def test_workers_die_with_a_killed_server_and_nothing_is_left_behind():
    temp = Path(tempfile.gettempdir())
    before = set(temp.iterdir())
    server = LiveServer({"ZHILI_QUERY_TIMEOUT": "30", "ZHILI_QUEUE_TIMEOUT": "30"})
    workers = httpx.get(server.url + "/health").json()["workers"]
    assert len(workers) >= 2
    # keep both workers busy on explosive queries (distinct client addresses: one query each is allowed)
    busy = []
    for n, _ in enumerate(workers):
        transport = httpx.HTTPTransport(local_address=f"127.0.0.{10 + n}")
        client = httpx.Client(transport=transport, timeout=60)
        busy.append(threading.Thread(target=lambda c=client: _ignore(c.get, server.url + "/sparql",
                                                                   params={"query": EXPLOSIVE}), daemon=True))
        busy[-1].start()
    time.sleep(1.0)
    # both clients are new to the server, so fairness lets them hold one worker (the other is kept for others)
    assert any(psutil.Process(p).cpu_percent(0.2) > 20 for p in workers), "a worker should be busy"
    family = [p.pid for p in psutil.Process(server.process.pid).children(recursive=True)]  # workers and helpers
    assert set(workers) <= set(family)
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=5)
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and any(_alive(p) for p in family):
        time.sleep(0.05)
    assert not any(_alive(p) for p in family), "processes outlived the server by more than a second"
    server.log.close()
    left = {p for p in set(temp.iterdir()) - before if p.name.startswith("zhili")}
    assert left == set(), f"left behind: {left}"


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _ignore(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except httpx.HTTPError:
        pass


def test_a_huge_store_answer_is_streamed_not_buffered_in_the_server(live, http):
    """Remote mode: the store would send ~800 MB (a 60 KB literal on every triple); the server reads
    only as much as it writes under its byte cap, so its own memory barely moves. Embedded mode: the
    same query is cut at the same cap inside a worker."""
    big = "x" * 60_000
    server = psutil.Process(live.process.pid)
    peak, done = [server.memory_info().rss], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], server.memory_info().rss)
            time.sleep(0.01)

    baseline = server.memory_info().rss
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        for query in (f'SELECT ?s ?big {{ ?s ?p ?o BIND("{big}" AS ?big) }}',
                      f'CONSTRUCT {{ ?s ?p ?big }} WHERE {{ ?s ?p ?o BIND("{big}" AS ?big) }}'):
            r = http.post("/sparql", data={"query": query})
            if live.mode == "virtuoso" and r.status_code == 503:  # Virtuoso writes 60 KB literals slowly: the
                assert "time limit" in r.text                     # time limit may end it first
                continue
            assert r.status_code == 200 and "size limit" in r.headers["zhili-truncated"]
            assert len(r.content) <= 16 * 2**20
    finally:
        done.set()
        sampler.join()
    grown = (peak[0] - baseline) / 2**20
    print(f"{live.mode}: server RSS grew {grown:.0f} MiB while answering")
    assert grown < 120, f"the server held {grown:.0f} MiB of a store answer"
