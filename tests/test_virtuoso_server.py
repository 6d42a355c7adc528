"""Debian's OpenLink Virtuoso 7 as a store: the VirtuosoServer test fixture, kg.storeauth's ChallengeAuth
(Digest against Virtuoso, Basic against a tiny local server), the container's entrypoint, and the
Virtuoso behaviours Zhili's remote mode has to detect (documented here, asserted below):

* `GRAPH ?g` also sees Virtuoso's own graphs (virtrdf#, ldp#, localuriqaserver): about 2,500 quads on a
  fresh database. `named-graph-uri` (and `default-graph-uri`) protocol parameters override the query's
  FROM / FROM NAMED and restrict `GRAPH ?g` to the graphs given.
* Results are cut at `[SPARQL] ResultSetMaxRows` rows; the answer is an ordinary 200 whose only sign is
  the header `X-SPARQL-MaxRows: <cap>`, sent whenever the answer has `cap` rows (cut or not).
* Time limits, three ways:
  - with a `timeout=<ms>` request parameter ("anytime query"), a query that has produced no result row
    yet (an aggregate, say) answers HTTP **200** with whatever it has (often no binding at all) and the
    headers `X-SQL-State: S1TAT`, `X-SQL-Message: RC...: Returning incomplete results, query interrupted
    by result timeout. …`; the limit is min(timeout, MaxQueryExecutionTime) and the answer comes about
    one second after it.
  - with `timeout=<ms>`, a SELECT that was already streaming rows answers HTTP **500** ("SPARQL Request
    Failed", Content-Type text/plain) whose body is the partial JSON result immediately followed by
    `Virtuoso S1TAT Error RC...: Returning incomplete results …`.
  - without the parameter, `[SPARQL] MaxQueryExecutionTime` ends the query with HTTP **500**, text/plain
    `Virtuoso S1T00 Error SR171: Transaction timed out` (no partial result).
* JSON results escape every non-ASCII character (`"\\u4E2D\\u6587"`): equal once decoded.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import base64
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, VirtuosoServer, free_port, virtuoso_ini

from kg.storeauth import ChallengeAuth, challenge_schemes, store_auth

JSON = {"Accept": "application/sparql-results+json"}
TURTLE = {"Content-Type": "text/turtle"}
GRAPH = "https://example.org/zhili/graph/test-chinese"
CHINESE = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/zhili/jinchang> rdfs:label "金昌社区"@zh, "Jinchang community"@en ;
    rdfs:comment "网格化管理：“一网统管”与居委会（2019年）" .
"""
BIG = "urn:zhili:test:big"


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"), timeout_s=3)
    yield server
    server.stop()


class Counted:
    """An httpx client that keeps every response it received, redirects and auth round trips included."""

    def __init__(self, auth: httpx.Auth | None):
        self.responses: list[httpx.Response] = []
        self.client = httpx.Client(auth=auth, timeout=30, event_hooks={"response": [self.responses.append]})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.client.close()

    def statuses(self) -> list[int]:
        return [r.status_code for r in self.responses]


def select(server: VirtuosoServer, query: str, **params: str) -> httpx.Response:
    """POST a query with extra protocol parameters (`timeout` among them: Virtuoso's, in ms)."""
    return httpx.post(server.query_url, data={"query": query, **params}, headers=JSON, timeout=60)


# ---------------------------------------------------------------- ChallengeAuth without a server
def test_store_auth_settings():
    assert store_auth(None, None) is None and store_auth("", "") is None
    auth = store_auth("dba", "s3cret")
    assert isinstance(auth, ChallengeAuth) and "s3cret" not in repr(auth)
    assert isinstance(store_auth("reader", None), ChallengeAuth)  # an empty password is a password
    with pytest.raises(ValueError):
        store_auth(None, "s3cret")


def test_challenge_schemes_reads_several_challenges_per_header():
    virtuoso = ('Digest realm="SPARQL", domain="/sparql-graph-crud-auth", nonce="8a95", opaque="5ebe", '
                'stale="false", qop="auth", algorithm="MD5"')
    assert challenge_schemes([virtuoso]) == ["digest"]
    assert challenge_schemes(['Basic realm="zhili"', virtuoso]) == ["basic", "digest"]
    assert challenge_schemes(['Bearer realm="a, Basic b", error="x", Basic realm="y", charset="UTF-8"']) == ["bearer", "basic"]
    assert challenge_schemes(['Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"']) \
        == ["newauth", "basic"]
    assert challenge_schemes(["Negotiate abc123=="]) == ["negotiate"]
    assert challenge_schemes([]) == [] and challenge_schemes([""]) == []


# ---------------------------------------------------------------- ChallengeAuth against a local Basic server
class BasicServer:
    """http.server on a free loopback port that wants HTTP Basic `user:pässwort` and records every request."""

    USER, PASSWORD = "zhili", "pässwort"

    def __init__(self, challenge: str = 'Bearer realm="api", Basic realm="zhili", charset="UTF-8"'):
        self.requests: list[tuple[str, str | None, bytes]] = []
        expected = "Basic " + base64.b64encode(f"{self.USER}:{self.PASSWORD}".encode()).decode()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                auth = self.headers.get("Authorization")
                outer.requests.append((self.command, auth, body))
                if auth != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", challenge)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                answer = b"stored" if self.command == "PUT" else b"ok"
                self.send_response(201 if self.command == "PUT" else 200)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_PUT = do_POST = _any

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/store"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def basic_server():
    server = BasicServer()
    yield server
    server.close()


def test_basic_challenge_is_answered_once_then_sent_up_front(basic_server):
    auth = ChallengeAuth(BasicServer.USER, BasicServer.PASSWORD)
    body = "<urn:a> <urn:b> \"值\" .".encode()
    with Counted(auth) as c:
        r = c.client.put(basic_server.url, params={"graph": "urn:g"}, content=body, headers=TURTLE)
        assert r.status_code == 201 and c.statuses() == [401, 201]
        first, second = basic_server.requests
        assert first[1] is None, "the first request must go without credentials"
        assert second[1].startswith("Basic ") and first[2] == second[2] == body  # the body was sent again, whole
        # the origin asked for Basic and accepted it: later requests carry it from the start
        assert c.client.get(basic_server.url).status_code == 200
        assert c.statuses() == [401, 201, 200] and basic_server.requests[-1][1].startswith("Basic ")


def test_wrong_basic_password_gives_the_401_without_a_loop(basic_server):
    with Counted(ChallengeAuth(BasicServer.USER, "wrong")) as c:
        assert c.client.put(basic_server.url, content=b"x", headers=TURTLE).status_code == 401
        assert c.statuses() == [401, 401]
        assert c.client.get(basic_server.url).status_code == 401  # nothing learnt from a refusal
        assert c.statuses() == [401, 401, 401, 401]


def test_a_challenge_in_no_scheme_we_speak_is_left_to_the_caller():
    server = BasicServer(challenge='Bearer realm="api"')
    try:
        with Counted(ChallengeAuth(BasicServer.USER, BasicServer.PASSWORD)) as c:
            assert c.client.get(server.url).status_code == 401 and c.statuses() == [401]
            assert server.requests[0][1] is None
    finally:
        server.close()


def test_challenge_auth_works_with_the_async_client(basic_server):
    async def run():
        async with httpx.AsyncClient(auth=ChallengeAuth(BasicServer.USER, BasicServer.PASSWORD), timeout=30) as client:
            return await client.put(basic_server.url, content=b"<urn:a> <urn:b> <urn:c> .", headers=TURTLE)

    with ThreadPoolExecutor(1) as pool:  # a loop of its own: the browser tests keep one running in this thread
        assert pool.submit(asyncio.run, run()).result().status_code == 201
    assert [a is None for _, a, _ in basic_server.requests] == [True, False]


# ---------------------------------------------------------------- ChallengeAuth against Virtuoso (Digest)
def test_digest_put_into_virtuoso(virtuoso):
    with Counted(ChallengeAuth(virtuoso.user, virtuoso.password)) as c:
        r = c.client.put(virtuoso.store_url, params={"graph": "urn:zhili:test:digest"},
                         content=b'<urn:a> <urn:b> "1" .', headers=TURTLE)
        assert r.status_code == 201 and c.statuses() == [401, 201]
        assert c.responses[0].headers["www-authenticate"].startswith("Digest ")
        assert c.responses[1].request.headers["authorization"].startswith("Digest ")
        # later requests are signed from the last challenge: no 401 round trip (the graph exists now: 200)
        r = c.client.put(virtuoso.store_url, params={"graph": "urn:zhili:test:digest"},
                         content=b'<urn:a> <urn:b> "2" .', headers=TURTLE)
        assert r.status_code in (200, 201, 204) and c.statuses()[2:] == [r.status_code]
        # the anonymous query endpoint asks for nothing, so it gets no credentials
        q = c.client.post(virtuoso.query_url, data={"query": "ASK { GRAPH <urn:zhili:test:digest> { ?s ?p \"2\" } }"},
                          headers=JSON)
        assert q.json()["boolean"] is True and "authorization" not in q.request.headers


def test_wrong_digest_password_gives_the_401_without_a_loop(virtuoso):
    with Counted(ChallengeAuth(virtuoso.user, "not-the-password")) as c:
        r = c.client.put(virtuoso.store_url, params={"graph": "urn:zhili:test:nope"}, content=b"", headers=TURTLE)
        assert r.status_code == 401 and c.statuses() == [401, 401]


def test_anonymous_sparql_cannot_write_or_read_files(virtuoso):
    r = select(virtuoso, "INSERT DATA { GRAPH <urn:zhili:test:anon> { <urn:a> <urn:b> <urn:c> } }")
    assert r.status_code == 500 and "SR186" in r.text  # "No permission to execute procedure …"
    r = select(virtuoso, 'SELECT (bif:file_to_string("virtuoso.ini") AS ?x) {}')
    assert r.status_code == 400 and "security restrictions" in r.text


# ---------------------------------------------------------------- VirtuosoServer
def test_graph_roundtrip_with_chinese_literals_and_restart(virtuoso):
    with httpx.Client(auth=ChallengeAuth(virtuoso.user, virtuoso.password), timeout=30) as client:
        r = client.put(virtuoso.store_url, params={"graph": GRAPH}, content=CHINESE.encode("utf-8"), headers=TURTLE)
        assert r.status_code in (200, 201), r.text
    query = "SELECT ?g ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?p ?o"

    def read() -> list[tuple[str, str, str, str | None]]:
        r = select(virtuoso, query, **{"named-graph-uri": GRAPH})
        assert r.status_code == 200, r.text
        return [(b["g"]["value"], b["p"]["value"], b["o"]["value"], b["o"].get("xml:lang"))
                for b in r.json()["results"]["bindings"]]

    rows = read()
    assert {g for g, *_ in rows} == {GRAPH}  # named-graph-uri restricts GRAPH ?g to the graph given
    assert ("金昌社区", "zh") in [(o, lang) for _, _, o, lang in rows]
    assert "网格化管理：“一网统管”与居委会（2019年）" in [o for _, _, o, _ in rows]
    assert len(rows) == 3

    # without it, GRAPH ?g also sees Virtuoso's own graphs
    everything = select(virtuoso, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").json()["results"]["bindings"]
    assert "http://www.openlinksw.com/schemas/virtrdf#" in {b["g"]["value"] for b in everything}

    pid = virtuoso.process.pid
    virtuoso.stop()
    assert virtuoso.process.poll() is not None
    with pytest.raises(httpx.ConnectError):
        httpx.post(virtuoso.query_url, data={"query": "ASK {}"}, timeout=2)
    virtuoso.start()  # same database, same ports; the transaction log is rolled forward
    assert virtuoso.process.pid != pid
    assert read() == rows


def test_virtuoso_timeouts(virtuoso):
    """The three ways a time limit ends a Virtuoso query (see the module docstring): remote mode must read
    a 200 with X-SQL-State as an incomplete answer, and a 500 whose body starts like JSON as an error."""
    triples = "\n".join(f'<urn:zhili:s{i}> <urn:zhili:p> "值{i}" .' for i in range(3000))
    with httpx.Client(auth=ChallengeAuth(virtuoso.user, virtuoso.password), timeout=30) as client:
        assert client.put(virtuoso.store_url, params={"graph": BIG}, content=triples.encode(), headers=TURTLE).status_code == 201
    cube = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{BIG}> {{ ?a ?b ?c . ?d ?e ?f . ?h ?i ?j }} }}"  # 2.7e10 rows

    started = time.monotonic()
    r = select(virtuoso, cube, timeout="1000")
    assert time.monotonic() - started < 10
    assert r.status_code == 200 and r.headers["x-sql-state"] == "S1TAT"
    assert "incomplete results" in r.headers["x-sql-message"]
    # An "anytime" answer: either no row (the aggregate never finished) or, on a fast run, a partial
    # count far below the true 3000³. Both come marked S1TAT only in the headers, which is why remote
    # mode reads them as incomplete.
    rows = r.json()["results"]["bindings"]
    assert rows == [] or int(rows[0]["n"]["value"]) < 3000 ** 3

    streaming = select(virtuoso, f"SELECT ?a ?d WHERE {{ GRAPH <{BIG}> {{ ?a ?b ?c . ?d ?e ?f }} }}", timeout="1000")
    if streaming.status_code == 500:  # rows were streaming when the limit struck: partial result, then the error
        assert streaming.headers["content-type"].startswith("text/plain")
        assert streaming.text.lstrip().startswith('{ "head"')
        assert "Virtuoso S1TAT Error" in streaming.text and "x-sql-state" not in streaming.headers
    else:
        # no row in time (the first form), the row cap first, or (seen once under load) a plain 200 with no marker
        # at all: a silently partial answer. That last form is why remote mode never sends `timeout=` and relies
        # on MaxQueryExecutionTime (below), which ends a query with an error instead.
        assert streaming.status_code == 200

    started = time.monotonic()
    r = select(virtuoso, cube)  # no timeout parameter: MaxQueryExecutionTime (3 s here) ends it
    assert r.status_code == 500 and "SR171" in r.text and "x-sql-state" not in r.headers
    assert 2 < time.monotonic() - started < 15


def test_result_row_cap_is_marked_only_by_a_header(tmp_path):
    server = VirtuosoServer(tmp_path / "capped", max_rows=100, password="cap'ped\\pw")
    try:
        assert server.password == "cap'ped\\pw"
        with httpx.Client(auth=ChallengeAuth(server.user, server.password), timeout=30) as client:
            triples = "\n".join(f"<urn:zhili:s{i}> <urn:zhili:p> {i} ." for i in range(150))
            assert client.put(server.store_url, params={"graph": BIG}, content=triples.encode(), headers=TURTLE).status_code == 201
        with httpx.Client(auth=ChallengeAuth(server.user, "dba"), timeout=30) as client:
            assert client.put(server.store_url, params={"graph": BIG}, content=b"", headers=TURTLE).status_code == 401
        short = select(server, f"SELECT ?s WHERE {{ GRAPH <{BIG}> {{ ?s ?p ?o }} }} LIMIT 99")
        assert short.status_code == 200 and "x-sparql-maxrows" not in short.headers
        # the header marks an answer that reached the cap: exactly `cap` rows looks like a cut answer
        full = select(server, f"SELECT ?s WHERE {{ GRAPH <{BIG}> {{ ?s ?p ?o }} }} LIMIT 100")
        assert full.status_code == 200 and full.headers["x-sparql-maxrows"] == "100"
        capped = select(server, f"SELECT ?s WHERE {{ GRAPH <{BIG}> {{ ?s ?p ?o }} }}")
        assert capped.status_code == 200 and len(capped.json()["results"]["bindings"]) == 100
        assert capped.headers["x-sparql-maxrows"] == "100"
    finally:
        server.stop()


# ---------------------------------------------------------------- the container's entrypoint, outside a container
def test_container_entrypoint_sets_the_dba_password_on_first_start(tmp_path):
    """store/virtuoso-entrypoint.sh with store/virtuoso.ini (ports on loopback, database in tmp_path)."""
    sql_port, http_port = free_port(), free_port()
    ini = tmp_path / "virtuoso.ini"
    ini.write_text(virtuoso_ini(tmp_path, sql_port, http_port, timeout_s=5), encoding="utf-8")
    entrypoint = str(ROOT / "store" / "virtuoso-entrypoint.sh")
    env = {**os.environ, "VIRTUOSO_INI": str(ini)}
    env.pop("DBA_PASSWORD", None)

    refused = subprocess.run(["sh", entrypoint], env=env, capture_output=True, text=True, timeout=30)
    assert refused.returncode == 1 and "ZHILI_STORE_PASSWORD" in refused.stderr
    assert not (tmp_path / "virtuoso.db").exists()

    password = "s3cr'et\\zhili pw"
    store = f"http://127.0.0.1:{http_port}/sparql-graph-crud-auth"

    def run(extra: dict[str, str]) -> subprocess.Popen:
        process = subprocess.Popen(["sh", entrypoint], env={**env, **extra}, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.time() + 90
        while time.time() < deadline:
            assert process.poll() is None, "the entrypoint exited"
            try:
                if httpx.post(f"http://127.0.0.1:{http_port}/sparql", data={"query": "ASK {}"}, timeout=2).status_code == 200 \
                        and (tmp_path / ".zhili-dba-password-set").exists():
                    return process
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        process.kill()
        raise AssertionError("virtuoso did not come up through the entrypoint")

    def stop(process: subprocess.Popen) -> None:
        process.terminate()  # the script exec'd virtuoso-t: this is the server
        process.wait(timeout=30)

    for extra in ({"DBA_PASSWORD": password}, {}):  # the second start needs no password: the database has one
        process = run(extra)
        try:
            for pw, accepted in ((password, True), ("dba", False)):
                with httpx.Client(auth=ChallengeAuth("dba", pw), timeout=30) as client:
                    r = client.put(store, params={"graph": "urn:zhili:test:entry"}, content=b"<urn:a> <urn:b> <urn:c> .",
                                   headers=TURTLE)
                assert (r.status_code in (200, 201)) if accepted else (r.status_code == 401), (pw, r.status_code)
        finally:
            stop(process)
    assert not list(tmp_path.glob(".init-*"))
