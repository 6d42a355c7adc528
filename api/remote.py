"""A remote SPARQL 1.1 server as the store: the Query protocol for reading, nothing else.

Only the graphs of the current release (kg/release.py) are ever read: every request names
them as its dataset (a user query's default graph is the release's union graph, one graph
the store holds, never a merge of its file graphs per query), and a user's
`default-graph-uri`/`named-graph-uri` may only narrow that set (the router checks). Every failure of the server (down, slow, an error status, a
body cut off part-way, as Oxigraph's own --timeout-s produces, or partial results, as
Virtuoso's anytime queries produce) becomes StoreUnavailable, which the routers turn into
503/504 with a message that never names the store's address. The service recovers by
itself: each call is a fresh request.
"""

from __future__ import annotations

import copy
import io
import json
import time
from contextlib import contextmanager
from typing import Any, Iterator, Mapping
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from kg.namespaces import PREFIXES
from kg.release import RECORD_QUERY, Release, canonical_quads, release_from_rows
from kg.storeauth import store_auth

from .repository import StoreUnavailable, bind

_PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
_PROLOGUE_LINES = _PROLOGUE.count("\n")


def user_position(message: str) -> str:
    """The store's error message with line numbers counted in the user's query (our prologue removed)."""
    import re

    return re.sub(r"(\d+):(\d+)", lambda m: f"{max(int(m.group(1)) - _PROLOGUE_LINES, 1)}:{m.group(2)}", message, count=1)


class _Stale(Exception):
    """A kept-alive connection the server had closed: worth one retry."""


class StoreTimeout(StoreUnavailable):
    """The server did not answer in time."""


class StoreTruncated(StoreUnavailable):
    """The server's answer was cut off or malformed (e.g. Oxigraph's --timeout-s mid-stream)."""


def _python(binding: dict | None) -> Any:
    if binding is None:
        return None
    value = binding["value"]
    if binding.get("type") in ("literal", "typed-literal") and binding.get("datatype", "").endswith(("#integer", "#nonNegativeInteger", "#int", "#long")):
        return int(value)
    return value


class RemoteRepository:
    """Reads a SPARQL endpoint; the dataset's named graphs (graph/…) form the default graph."""

    kind = "remote"

    def __init__(self, query_url: str, timeout: float = 10.0, auth: tuple[str, str] | None = None,
                 max_bytes: int = 256 * 1024 * 1024):
        self.query_url = query_url
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
                                   auth=store_auth(*auth) if auth else None)
        self.release: Release | None = None
        self.graphs: list[str] = []
        self.engine = "unknown"  # from the Server header: "virtuoso" turns on its timeout parameter and checks
        self.problem: str | None = None  # set while the store does not hold the release: every read refuses

    @property
    def verify_timeout(self) -> float:
        """Whole-release reads (the checksum checks) are not user queries: they get at least 30 s, so a busy
        store does not stop start-up or a release switch at ZHILI_QUERY_TIMEOUT."""
        return max(self.timeout, 30.0)

    def use(self, release: Release) -> None:
        self.release, self.graphs = release, list(release.graphs)

    def default_dataset(self) -> list[str]:
        """A user query's default graph: the release's union graph, one graph the store holds (merging the
        file graphs per query cost 5-15x the query itself on Oxigraph); the file graphs for a release written
        before union graphs existed."""
        return [self.release.union] if self.release and self.release.union else self.graphs

    def checked_graphs(self) -> list[str]:
        """Every graph of the release the checks count: its file graphs and its union graph."""
        return self.graphs + ([self.release.union] if self.release and self.release.union else [])

    def for_release(self, release: Release) -> "RemoteRepository":
        """The same store (and connection pool), reading another release's graphs."""
        other = self.view()
        other.use(release)
        return other

    def view(self) -> "RemoteRepository":
        """This release, read even while `problem` is set (for the checks that decide whether it still is)."""
        other = copy.copy(self)
        other.problem = None
        return other

    # -- transport -----------------------------------------------------------------
    def _form(self, query: str, default_graphs: list[str] | None, named_graphs: list[str] | None,
              timeout: float | None = None) -> bytes:
        form = [("query", query)]
        form += [("default-graph-uri", g) for g in (self.graphs if default_graphs is None else default_graphs)]
        form += [("named-graph-uri", g) for g in (self.graphs if named_graphs is None else named_graphs)]
        # Not Virtuoso's `timeout=` parameter: under it a query cut while streaming came back once as a plain 200
        # with no marker (a silently partial answer). Its MaxQueryExecutionTime ends queries with an error instead.
        return urlencode(form).encode("ascii")

    def _check_headers(self, response: httpx.Response) -> None:
        if self.engine == "unknown":
            self.engine = "virtuoso" if "virtuoso" in response.headers.get("server", "").lower() else "other"
        if response.headers.get("x-sql-state") == "S1TAT":  # Virtuoso: partial results at its time limit
            raise StoreTimeout("the store stopped the query at its time limit (partial results refused)")
        if "x-sparql-maxrows" in response.headers:  # Virtuoso: ResultSetMaxRows cut the answer
            raise StoreTruncated("the store cut the answer at its ResultSetMaxRows setting")

    def _post(self, query: str, accept: str, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None, timeout: float | None = None) -> bytes:
        """POST the query; one retry when a kept-alive connection turns out to have been closed."""
        if self.problem:
            raise StoreUnavailable(self.problem)
        try:
            return self._post_once(query, accept, default_graphs, named_graphs, timeout, retry=True)
        except _Stale:
            return self._post_once(query, accept, default_graphs, named_graphs, timeout, retry=False)

    def _post_once(self, query: str, accept: str, default_graphs: list[str] | None,
                   named_graphs: list[str] | None, timeout: float | None, retry: bool) -> bytes:
        try:
            with self.client.stream("POST", self.query_url, content=self._form(query, default_graphs, named_graphs),
                                    headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
                                    timeout=timeout or self.timeout) as response:
                chunks, size = [], 0
                deadline = time.monotonic() + (timeout or self.timeout)
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if time.monotonic() > deadline:  # read timeouts are per chunk; the limit is for the whole answer
                        raise StoreTimeout(f"the store's answer took longer than {timeout or self.timeout:g} s")
                    if size > self.max_bytes:
                        raise StoreUnavailable(f"the store's answer exceeds {self.max_bytes} bytes")
                body = b"".join(chunks)
                if response.status_code >= 500 and not _refused_query(body):
                    raise StoreUnavailable(f"the store answered HTTP {response.status_code}: {body[:200].decode(errors='replace')}")
                if response.status_code >= 400:
                    raise ValueError(body.decode("utf-8", errors="replace")[:2000])
                self._check_headers(response)
                return body
        except httpx.TimeoutException as exc:
            raise StoreTimeout(f"the store did not answer within {timeout or self.timeout:g} s") from exc
        except httpx.RemoteProtocolError as exc:
            if retry:
                raise _Stale() from exc
            raise StoreUnavailable(f"the store closed the connection ({type(exc).__name__})") from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise StoreUnavailable(f"the store is unreachable ({type(exc).__name__})") from exc

    # -- releases --------------------------------------------------------------------
    def current_release(self, checking: bool = False) -> Release | None:
        """The release the store's pointer names (None: no release, or an ambiguous pointer)."""
        repo = self.view() if checking else self
        body = repo._post(RECORD_QUERY, "application/sparql-results+json", default_graphs=[], named_graphs=[])
        data = self._json(body)
        names = data["head"]["vars"]
        return release_from_rows([{n: _python(row.get(n)) for n in names} for row in data["results"]["bindings"]])

    def count(self, checking: bool = False) -> int:
        """Quads in the release's graphs and its union graph, as the store holds them now (the record's
        `quads` plus `union_triples`)."""
        body = (self.view() if checking else self)._post("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                          "application/sparql-results+json", default_graphs=[], named_graphs=self.checked_graphs())
        return int(_python(self._json(body)["results"]["bindings"][0]["n"]))

    @staticmethod
    def _json(body: bytes) -> dict:
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise StoreTruncated(f"the store returned a truncated or invalid result ({exc})") from exc

    # -- Repository interface ----------------------------------------------------------
    def select(self, query: str, bindings: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        data = self._json(self._post(_PROLOGUE + bind(query, bindings), "application/sparql-results+json"))
        names = data["head"]["vars"]
        return [{n: _python(row.get(n)) for n in names} for row in data["results"]["bindings"]]

    def construct(self, query: str, bindings: Mapping[str, str] | None = None) -> list[ox.Triple]:
        # a graph (a set of triples): read from the release's union graph, never merged per query
        body = self._post(_PROLOGUE + bind(query, bindings), "application/n-triples",
                          default_graphs=self.default_dataset())
        try:
            return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as exc:
            raise StoreTruncated(f"the store returned a truncated or invalid graph ({exc})") from exc

    def union_triples(self) -> set:
        """The union graph's triples, in canonical forms (compared with the file graphs' at every full check)."""
        from kg.release import canonical_triples

        body = self._post(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{self.release.union}> {{ ?s ?p ?o }} }}",
                          "application/sparql-results+json", default_graphs=[], named_graphs=[self.release.union],
                          timeout=self.verify_timeout)
        try:
            solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            return canonical_triples(ox.Triple(row["s"], row["p"], row["o"]) for row in solutions)
        except SyntaxError as exc:
            raise StoreTruncated(f"the store returned a truncated or invalid result ({exc})") from exc

    def quads(self) -> list[ox.Quad]:
        """The release's quads under their file graph names, in canonical value forms (as embedded serves them)."""
        body = self._post("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", "application/sparql-results+json",
                          default_graphs=[], timeout=self.verify_timeout)
        try:
            solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            return canonical_quads(ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in solutions)
        except SyntaxError as exc:
            raise StoreTruncated(f"the store returned a truncated or invalid result ({exc})") from exc

    def health(self) -> dict[str, Any]:
        """State, never addresses: the store's URL (and any credentials in it) stays private."""
        try:
            self._post("ASK { ?s ?p ?o }", "application/sparql-results+json", timeout=min(self.timeout, 3.0))
            return {"store": self.kind, "engine": self.engine, "ok": True, "graphs": len(self.graphs),
                    "release": self.release.id if self.release else None}
        except StoreUnavailable as exc:
            return {"store": self.kind, "engine": self.engine, "ok": False, "error": str(exc),
                    "release": self.release.id if self.release else None}

    @contextmanager
    def stream(self, query: str, accept: str, default_graphs: list[str], named_graphs: list[str],
               timeout: float) -> Iterator[io.BufferedReader]:
        """A user query, forwarded as it is (after the guard), for /sparql; yields the answer as a
        stream that parsers read as they go, so the server never holds more of it than it writes
        (the caller stops reading at its caps and the connection is closed)."""
        if self.problem:
            raise StoreUnavailable(self.problem)
        content = self._form(_PROLOGUE + query, default_graphs or self.default_dataset(), named_graphs or self.graphs,
                             timeout)
        deadline = time.monotonic() + timeout
        try:
            with self.client.stream("POST", self.query_url, content=content,
                                    headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
                                    timeout=timeout) as response:
                if response.status_code >= 400:
                    body = b"".join(_bounded(response.iter_bytes(), 64 * 1024))
                    if response.status_code >= 500 and (b"S1TAT" in body or b"SR171" in body):
                        raise StoreTimeout("the store stopped the query at its time limit")  # Virtuoso
                    if response.status_code >= 500 and not _refused_query(body):
                        raise StoreUnavailable(f"the store answered HTTP {response.status_code}: "
                                               f"{body[:200].decode(errors='replace')}")
                    raise ValueError(body.decode("utf-8", errors="replace")[:2000])
                self._check_headers(response)
                yield io.BufferedReader(_ChunkReader(response.iter_bytes(), deadline, timeout), 1 << 16)
        except httpx.TimeoutException as exc:
            raise StoreTimeout(f"the store did not answer within {timeout:g} s") from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise StoreUnavailable(f"the store is unreachable or closed the connection ({type(exc).__name__})") from exc


def _refused_query(body: bytes) -> bool:
    """Virtuoso answers 500 for queries it cannot compile (SQL states 37000, 42000, 22023: unsupported path
    forms, type errors): the query's fault, so a 400 for the client, not a store failure."""
    return body.lstrip().startswith((b"Virtuoso 37000", b"Virtuoso 42000", b"Virtuoso 22023", b"Virtuoso 42S22"))


def _bounded(chunks: Iterator[bytes], limit: int) -> Iterator[bytes]:
    size = 0
    for chunk in chunks:
        yield chunk[: max(0, limit - size)]
        size += len(chunk)
        if size >= limit:
            return


class _ChunkReader(io.RawIOBase):
    """A readable stream over an HTTP body's chunks, with a deadline for the whole answer
    (httpx's read timeout is per chunk)."""

    def __init__(self, chunks: Iterator[bytes], deadline: float, timeout: float):
        self.chunks, self.deadline, self.timeout = chunks, deadline, timeout
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.pending:
            if time.monotonic() > self.deadline:
                raise StoreTimeout(f"the store's answer took longer than {self.timeout:g} s")
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.pending = chunk
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size
