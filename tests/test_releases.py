"""Remote mode serves exactly the validated release, on Oxigraph and on Virtuoso: graph parameters only narrow
to the release, foreign or partial data is never served, a load killed at any step leaves the previous release
served, a new release is followed without a restart, no response names the store, and /health is not held up
by user queries."""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from conftest import LiveServer, OxigraphServer, VirtuosoServer

from kg.namespaces import GRAPH
from kg.paths import DATA
from kg.release import CURRENT, RELEASES

KG = str(Path(sys.executable).parent / "kg")
# slow but no aggregate: both engines' own time limits stop it (Oxigraph's does not stop an aggregate)
SLOW = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f FILTER(STRLEN(STR(?c)) + STRLEN(STR(?f)) = 99999) }"
PRIVATE = "urn:private"


def engine_server(engine: str, tmp: Path):
    """With the engine's own time limit set, so that queries the API abandons do not run on for ever."""
    if engine == "oxigraph":
        return OxigraphServer(tmp / "oxigraph", timeout_s=4)
    return VirtuosoServer(tmp / "virtuoso", timeout_s=4)


def put(store, graph: str, turtle: str) -> None:
    auth = httpx.DigestAuth(store.user, store.password) if getattr(store, "user", None) else None
    r = httpx.put(f"{store.store_url}?graph={quote(graph, safe='')}", content=turtle.encode(), auth=auth,
                  headers={"Content-Type": "text/turtle"}, timeout=60)
    assert r.status_code < 300, r.text


def load_env(store) -> dict[str, str]:
    env = dict(os.environ)
    if getattr(store, "user", None):
        env.update(ZHILI_STORE_USER=store.user, ZHILI_STORE_PASSWORD=store.password)
    return env


def kg_load(store, data: Path = DATA, endpoint: str | None = None) -> subprocess.CompletedProcess:
    args = [KG, "load", "--endpoint", endpoint or store.store_url, "--data", str(data)]
    if endpoint:
        args += ["--query-endpoint", store.query_url]
    return subprocess.run(args, capture_output=True, text=True, timeout=600, env=load_env(store))


def revised_data(tmp: Path) -> Path:
    """A second valid dataset: one English gloss reworded (glosses are ours, not quoted from the seeds)."""
    data = tmp / "data-b"
    if data.exists():  # written once per store
        return data
    shutil.copytree(DATA, data)
    path = data / "localities" / "jiuquan.ttl"
    text = path.read_text(encoding="utf-8")
    marker = 'zl:gloss "'
    at = text.index(marker) + len(marker)
    path.write_text(text[:at] + "Revised: " + text[at:], encoding="utf-8")
    return data


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def stack(request, tmp_path_factory):
    """A store of each engine with the curated release loaded, a private graph of someone else's beside it,
    and the API in remote mode over it (checking the release every half second)."""
    tmp = tmp_path_factory.mktemp(request.param)
    store = engine_server(request.param, tmp)
    done = kg_load(store)
    assert done.returncode == 0, done.stderr
    put(store, PRIVATE, '<urn:secret> <urn:p> "private data" .')
    api = LiveServer({"ZHILI_STORE": store.query_url, "ZHILI_QUERY_TIMEOUT": "3", "ZHILI_RELEASE_POLL": "0.5",
                      **({"ZHILI_STORE_USER": store.user, "ZHILI_STORE_PASSWORD": store.password}
                         if getattr(store, "user", None) else {})})
    api.store, api.tmp = store, tmp
    yield api
    api.stop()
    store.stop()


def health(api) -> dict:
    return httpx.get(api.url + "/health", timeout=30).json()


def test_graph_parameters_only_narrow_to_the_release(stack):
    release = health(stack)["release"]
    q = {"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}
    for param in ("named-graph-uri", "default-graph-uri"):
        r = httpx.get(stack.url + "/sparql", params={**q, param: PRIVATE})
        assert r.status_code == 400 and "not a graph of this dataset" in r.text
    graphs = [b["g"]["value"] for b in httpx.get(stack.url + "/sparql", params=q).json()["results"]["bindings"]]
    assert graphs and all(g.startswith(f"{RELEASES}{release}/") for g in graphs), graphs
    for query in (f"SELECT * FROM <{PRIVATE}> WHERE {{ ?s ?p ?o }}", f"SELECT * FROM NAMED <{PRIVATE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                  f"SELECT * WHERE {{ GRAPH <{PRIVATE}> {{ ?s ?p ?o }} }}", "SELECT * WHERE { ?s <urn:p> ?o }"):
        r = httpx.get(stack.url + "/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        assert r.status_code == 200 and "private data" not in r.text, query
    # the file graph names of the embedded store are accepted too, mapped to the release's
    one = httpx.get(stack.url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                                   "default-graph-uri": f"{GRAPH}localities/jinchang"})
    assert one.status_code == 200 and 0 < int(one.json()["results"]["bindings"][0]["n"]["value"]) < 13469


def test_a_graph_put_under_our_namespace_is_not_served(stack):
    put(stack.store, f"{GRAPH}localities/intruder", "<https://w3id.org/zhili/id/locality/intruder> "
                                                   "<http://www.w3.org/2000/01/rdf-schema#label> \"intruder\" .")
    time.sleep(1.0)
    assert health(stack)["status"] == "ok"  # the release itself is untouched
    assert httpx.get(stack.url + "/id/locality/intruder", headers={"Accept": "text/turtle"}).status_code == 404
    r = httpx.get(stack.url + "/sparql", params={"query": 'ASK { ?s ?p "intruder" }'})
    assert r.json()["boolean"] is False
    assert b"intruder" not in httpx.get(stack.url + "/api/export", params={"format": "nquads"}, timeout=60).content


def test_a_changed_release_graph_is_refused_until_it_is_restored(stack):
    release = health(stack)["release"]
    graph = f"{RELEASES}{release}/localities/jinchang"
    rows = httpx.post(stack.store.query_url, data={"query": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <%s> { ?s ?p ?o } }"
                                                   % graph}, headers={"Accept": "application/n-triples"}, timeout=60)
    assert rows.status_code == 200 and rows.text.count("\n") > 100
    put(stack.store, graph, rows.text + '<urn:extra> <urn:p> "tampered" .\n')
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and health(stack)["status"] == "ok":
        time.sleep(0.2)
    state = httpx.get(stack.url + "/health")
    assert state.status_code == 503 and "record says" in state.json()["error"]
    refused = httpx.get(stack.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert refused.status_code == 503 and "release" in refused.text
    assert httpx.get(stack.url + "/api/localities/jinchang").status_code == 200  # REST: the verified catalog
    put(stack.store, graph, rows.text)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and health(stack)["status"] != "ok":
        time.sleep(0.2)
    assert health(stack)["status"] == "ok"
    assert httpx.get(stack.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200


def test_health_is_not_held_up_by_user_queries(stack):
    stop, latencies = threading.Event(), []

    def attacker(n):
        with httpx.Client(transport=httpx.HTTPTransport(local_address=f"127.0.0.{80 + n}"), timeout=30) as c:
            while not stop.is_set():
                try:
                    c.get(stack.url + "/sparql", params={"query": SLOW})
                except httpx.HTTPError:
                    pass

    threads = [threading.Thread(target=attacker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    try:
        for _ in range(10):
            started = time.monotonic()
            r = httpx.get(stack.url + "/health", timeout=30)
            latencies.append(time.monotonic() - started)
            assert r.status_code == 200
            time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join()
    print(f"{stack.store.engine}: /health under 8 slow clients: max {max(latencies) * 1000:.0f} ms")
    assert max(latencies) < 2.0, f"/health took up to {max(latencies):.1f} s behind user queries"


class KillingProxy:
    """An HTTP proxy to the store that lets `kg load` through step by step: at request number `kill_at` it
    SIGKILLs the loader (or, with `drop`, closes the connection instead, as a store going away would)."""

    def __init__(self, target: str):
        self.target, self.count, self.kill_at, self.drop, self.victim = target.rstrip("/"), 0, 0, False, None
        self.log: list[tuple[str, str]] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_any(self):
                proxy.count += 1
                proxy.log.append((self.command, self.path))
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                if proxy.count == proxy.kill_at:
                    if not proxy.drop and proxy.victim:
                        os.kill(proxy.victim, signal.SIGKILL)
                    self.close_connection = True
                    self.connection.close()
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                r = httpx.request(self.command, proxy.target + self.path, content=body, headers=headers, timeout=120)
                self.send_response(r.status_code)
                for k, v in r.headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            do_GET = do_PUT = do_POST = do_DELETE = do_any

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def run_load(self, store, data: Path, kill_at: int, drop: bool = False) -> subprocess.Popen:
        self.count, self.kill_at, self.drop, self.log = 0, kill_at, drop, []
        path = store.store_url[len(store.base):]
        process = subprocess.Popen([KG, "load", "--endpoint", self.url + path, "--query-endpoint",
                                    self.url + store.query_url[len(store.base):], "--data", str(data)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=load_env(store))
        self.victim = process.pid
        process.stdout_text, process.stderr_text = process.communicate(timeout=600)
        return process

    def close(self):
        self.server.shutdown()


CACHED = [("/sparql", {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}, {}),
          ("/api/localities/jiuquan", {}, {"Accept": "application/json"}),
          ("/id/locality/jiuquan", {}, {"Accept": "text/turtle"}),
          ("/api/stats", {}, {}), ("/sparql", {}, {"Accept": "text/turtle"})]


def tags(api) -> dict[str, str]:
    """The entity tag of each CACHED answer, after checking that it revalidates to a 304 (and, for /sparql,
    that asking again is served from the answer cache)."""
    found = {}
    for path, params, headers in CACHED:
        r = httpx.get(api.url + path, params=params, headers=headers, timeout=60)
        assert r.status_code == 200, (path, r.status_code)
        again = httpx.get(api.url + path, params=params, headers={**headers, "If-None-Match": r.headers["etag"]})
        assert again.status_code == 304, path
        if params.get("query"):
            assert httpx.get(api.url + path, params=params).headers["zhili-answer-cache"] == "hit"
        found[path + str(sorted(params.items())) + str(headers)] = r.headers["etag"]
    return found


def retagged(api, old: dict[str, str]) -> None:
    """After a release switch: every old tag fails to match (a full 200 with another tag), and a SPARQL answer
    is computed anew from the new release, never taken from the old release's answer cache."""
    for (path, params, headers), tag in zip(CACHED, old.values()):
        r = httpx.get(api.url + path, params=params, headers={**headers, "If-None-Match": tag}, timeout=60)
        assert r.status_code == 200 and r.headers["etag"] != tag, path
        if params.get("query"):
            assert r.headers["zhili-answer-cache"] == "miss"


def served(api) -> tuple[str, str, int]:
    state = health(api)
    return state["release"], httpx.get(api.url + "/api/stats").json()["checksum"], state["triples"]


def test_a_load_killed_at_any_step_leaves_the_previous_release_served_then_the_new_one_is_followed(stack):
    """Kill `kg load` of a revised dataset at every request it makes; until the pointer moves the API serves
    the previous release unchanged, after it the new one (complete), always consistent, never restarted."""
    data_b = revised_data(stack.tmp)
    before = served(stack)
    old_tags = tags(stack)  # HTTP caching: a release switch changes every entity tag (and drops the answer cache)
    proxy = KillingProxy(stack.store.base)
    try:
        full = proxy.run_load(stack.store, data_b, kill_at=0)  # a complete run, counted, to know the steps
        assert full.returncode == 0, full.stderr_text
        steps = proxy.count
        pointer = max(i for i, (method, path) in enumerate(proxy.log, 1) if method == "PUT" and quote(CURRENT, safe="") in path)
        after = served_after_switch(stack, before)
        retagged(stack, old_tags)
        assert not set(tags(stack).values()) & set(old_tags.values())
        # back to the previous dataset, then kill the same load at every step
        again = kg_load(stack.store)
        assert again.returncode == 0, again.stderr[-2000:]
        wait_for_release(stack, before[0])
        assert tags(stack) == old_tags  # the same release (and build) again: the same tags
        # on Oxigraph the first and the last of every run of like requests up to the switch (PUTs of file graphs,
        # the union graph, the record and the pointer; every read-back), the first after it (the later ones only
        # delete old graphs, like the first of them) and the last: the PUTs inside a run of file graphs take the
        # same path as its first and last. On Virtuoso, where a load is slower, the first, the last before the
        # switch, the switch itself, the first after it and the last
        if stack.store.engine == "oxigraph":
            methods = [method for method, _ in proxy.log[:pointer]]
            edges = {i for i in range(1, pointer + 1)
                     if i == 1 or i == pointer or methods[i - 2] != methods[i - 1] or methods[i] != methods[i - 1]}
            engine_steps = sorted(edges | {pointer + 1, steps})
        else:
            engine_steps = sorted({1, pointer - 1, pointer, pointer + 1, steps})
        switched_at = None
        for step in engine_steps:
            if switched_at is not None:  # serve the previous release again before the next try
                assert kg_load(stack.store).returncode == 0
                wait_for_release(stack, before[0])
                switched_at = None
            started = time.monotonic()
            killed = proxy.run_load(stack.store, data_b, kill_at=step)
            if killed.returncode == 0:  # this run made fewer requests (fewer old graphs to delete): all done
                assert step > pointer
                break
            assert killed.returncode == -signal.SIGKILL
            time.sleep(1.2)  # more than two release checks
            now = served(stack)
            assert health(stack)["status"] == "ok", (step, health(stack))
            if now[0] == after[0]:
                switched_at = step
                assert now == after, step
            else:
                assert now == before, f"killed at step {step}: serving {now}, expected {before}"
            print(f"step {step}/{steps} (switch at {pointer}): {'new' if switched_at else 'previous'} release served; "
                  f"{time.monotonic() - started:.1f} s")
        assert served(stack) in (before, after)
    finally:
        proxy.close()


def test_a_store_that_goes_away_mid_load_gives_a_clear_error(stack):
    proxy = KillingProxy(stack.store.base)
    try:
        before = served(stack)
        result = proxy.run_load(stack.store, DATA, kill_at=3, drop=True)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr_text, result.stderr_text
        assert "previous release is still the current one" in result.stderr_text, result.stderr_text
        assert served(stack) == before
    finally:
        proxy.close()


def served_after_switch(api, before, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = served(api)
        if now[0] != before[0]:
            assert health(api)["release_switches"] >= 1
            return now
        time.sleep(0.3)
    raise AssertionError("the API did not follow the new release")


def wait_for_release(api, release: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if health(api)["release"] == release:
            return
        time.sleep(0.3)
    raise AssertionError(f"the API did not return to release {release}")


def test_no_response_names_the_store_or_its_credentials(tmp_path):
    store = OxigraphServer(tmp_path / "store")
    assert kg_load(store).returncode == 0
    secret_url = store.query_url.replace("http://", "http://reader:s3cret-pw@")
    try:
        api = LiveServer({"ZHILI_STORE": secret_url, "ZHILI_QUERY_TIMEOUT": "3"})
    except Exception:
        store.stop()
        raise
    try:
        host = store.base.split("//")[1]
        bodies = [httpx.get(api.url + "/health").text]
        store.stop()
        for path, headers in [("/health", {}), ("/sparql?query=ASK%7B%7D", {}),
                              ("/id/locality/jinchang", {"Accept": "text/turtle"}),
                              ("/api/localities/jinchang", {"Accept": "application/ld+json"})]:
            r = httpx.get(api.url + path, headers=headers)
            assert r.status_code >= 500 or path.startswith("/api"), (path, r.status_code)
            bodies.append(r.text)
        for body in bodies:
            assert "s3cret" not in body and host not in body and "reader" not in body, body[:300]
    finally:
        api.stop()
        store.stop()
