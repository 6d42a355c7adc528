"""A remote SPARQL 1.1 server as the store: the Query protocol for reading, nothing else.

Every failure of the server (down, slow, an error status, a body cut off part-way,
as Oxigraph's own --timeout-s produces) becomes StoreUnavailable, which the
routers turn into 503/504 with a message. The service recovers by itself: each
call is a fresh request.
"""

from __future__ import annotations

import io
import json
import time
from contextlib import contextmanager
from typing import Any, Iterator, Mapping
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from kg.namespaces import GRAPH, PREFIXES

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
    if binding.get("type") == "literal" and binding.get("datatype", "").endswith(("#integer", "#nonNegativeInteger", "#int", "#long")):
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
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)), auth=auth)
        self.graphs: list[str] = []

    # -- transport -----------------------------------------------------------------
    def _post(self, query: str, accept: str, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None, timeout: float | None = None) -> bytes:
        """POST the query; one retry when a kept-alive connection turns out to have been closed."""
        try:
            return self._post_once(query, accept, default_graphs, named_graphs, timeout, retry=True)
        except _Stale:
            return self._post_once(query, accept, default_graphs, named_graphs, timeout, retry=False)

    def _post_once(self, query: str, accept: str, default_graphs: list[str] | None,
                   named_graphs: list[str] | None, timeout: float | None, retry: bool) -> bytes:
        form = [("query", query)]
        form += [("default-graph-uri", g) for g in (self.graphs if default_graphs is None else default_graphs)]
        form += [("named-graph-uri", g) for g in (named_graphs or [])]
        try:
            with self.client.stream("POST", self.query_url, content=urlencode(form).encode("ascii"),
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
                if response.status_code >= 500:
                    raise StoreUnavailable(f"the store answered HTTP {response.status_code}: {body[:200].decode(errors='replace')}")
                if response.status_code >= 400:
                    raise ValueError(body.decode("utf-8", errors="replace")[:2000])
                return body
        except httpx.TimeoutException as exc:
            raise StoreTimeout(f"the store did not answer within {timeout or self.timeout:g} s") from exc
        except httpx.RemoteProtocolError as exc:
            if retry:
                raise _Stale() from exc
            raise StoreUnavailable(f"the store at {self.query_url} closed the connection ({exc})") from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise StoreUnavailable(f"the store at {self.query_url} is unreachable ({type(exc).__name__})") from exc

    def discover_graphs(self) -> list[str]:
        """The dataset's named graphs on the server (those under our graph namespace)."""
        body = self._post("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "application/sparql-results+json",
                          default_graphs=[])
        rows = self._json(body)["results"]["bindings"]
        self.graphs = sorted(r["g"]["value"] for r in rows if r["g"]["value"].startswith(str(GRAPH)))
        return self.graphs

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
        body = self._post(_PROLOGUE + bind(query, bindings), "application/n-triples")
        try:
            return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as exc:
            raise StoreTruncated(f"the store returned a truncated or invalid graph ({exc})") from exc

    def quads(self) -> list[ox.Quad]:
        body = self._post("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", "application/sparql-results+json",
                          default_graphs=[], named_graphs=self.graphs)
        try:
            solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            return [ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in solutions]
        except SyntaxError as exc:
            raise StoreTruncated(f"the store returned a truncated or invalid result ({exc})") from exc


    def health(self) -> dict[str, Any]:
        try:
            self._post("ASK { ?s ?p ?o }", "application/sparql-results+json", timeout=min(self.timeout, 3.0))
            return {"store": self.kind, "ok": True, "endpoint": self.query_url, "graphs": len(self.graphs)}
        except StoreUnavailable as exc:
            return {"store": self.kind, "ok": False, "endpoint": self.query_url, "error": str(exc)}

    @contextmanager
    def stream(self, query: str, accept: str, default_graphs: list[str], named_graphs: list[str],
               timeout: float) -> Iterator[io.BufferedReader]:
        """A user query, forwarded as it is (after the guard), for /sparql; yields the answer as a
        stream that parsers read as they go, so the server never holds more of it than it writes
        (the caller stops reading at its caps and the connection is closed)."""
        form = [("query", _PROLOGUE + query)]
        form += [("default-graph-uri", g) for g in (default_graphs or self.graphs)]
        form += [("named-graph-uri", g) for g in named_graphs]
        deadline = time.monotonic() + timeout
        try:
            with self.client.stream("POST", self.query_url, content=urlencode(form).encode("ascii"),
                                    headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
                                    timeout=timeout) as response:
                if response.status_code >= 400:
                    body = b"".join(_bounded(response.iter_bytes(), 64 * 1024))
                    if response.status_code >= 500:
                        raise StoreUnavailable(f"the store answered HTTP {response.status_code}: "
                                               f"{body[:200].decode(errors='replace')}")
                    raise ValueError(body.decode("utf-8", errors="replace")[:2000])
                yield io.BufferedReader(_ChunkReader(response.iter_bytes(), deadline, timeout), 1 << 16)
        except httpx.TimeoutException as exc:
            raise StoreTimeout(f"the store did not answer within {timeout:g} s") from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise StoreUnavailable(f"the store at {self.query_url} is unreachable or closed the connection "
                                   f"({type(exc).__name__})") from exc


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
