"""Serialized JSON of REST views, remembered: the catalog never changes while the process runs.

A view over the catalog is built and serialized once per distinct request; later
requests get the same bytes. Bounded by entry count and total bytes (least
recently used first out), so arbitrary search strings cannot grow it without limit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable

from pydantic_core import to_json


class ResponseCache:
    def __init__(self, max_entries: int = 4096, max_bytes: int = 64 * 1024 * 1024):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def json(self, key: Hashable, build: Callable[[], Any]) -> bytes:
        """The JSON bytes for key, building (and serializing) them on a miss."""
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return body
        body = to_json(build(), by_alias=True)
        with self._lock:
            self.misses += 1
            if key not in self._items and len(body) <= self.max_bytes:
                self._items[key] = body
                self._bytes += len(body)
                while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                    _, dropped = self._items.popitem(last=False)
                    self._bytes -= len(dropped)
        return body

    def stats(self) -> dict[str, int]:
        return {"entries": len(self._items), "bytes": self._bytes, "hits": self.hits, "misses": self.misses}


class _Answer:
    """One cached answer, and the finished responses built from it (header lists only: the body is the answer's)."""

    __slots__ = ("answer", "size", "finished")

    def __init__(self, answer: Any, size: int):
        self.answer, self.size = answer, size
        self.finished: dict[tuple, list[tuple[bytes, bytes]]] = {}


class AnswerCache:
    """SPARQL answers, remembered by (normalised query, dataset parameters, format, caps).

    The dataset cannot change while a process serves a release, so an answer is exact for as long as
    the release is served; Service.adopt drops the whole cache on a release switch. Bounded by bytes
    (the body and the key's text both count), least recently used first out: a stream of distinct
    queries cannot grow it past `max_bytes`. An answer larger than a quarter of the bound is not kept,
    so one huge result cannot flush everything else.

    Next to an answer it keeps the finished responses of GETs that got it (`finish`): the header list the
    whole middleware stack emitted, under the raw request facts that decide it, so api/http_cache.py's
    AnswerFastPath can send a repeated GET without routing. They count toward the same bound and leave with
    their answer; the body is never stored twice.
    """

    OVERHEAD = 256  # the entry's own objects (tuple, key, ints), counted so that many tiny answers stay bounded

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, _Answer] = OrderedDict()
        self._routes: dict[tuple, Hashable] = {}  # request facts -> the answer key whose entry holds its headers
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.fast_hits = 0

    @staticmethod
    def key(query: str, fmt: str, default_graphs: tuple[str, ...], named_graphs: tuple[str, ...],
            max_rows: int, max_bytes: int) -> tuple:
        """Everything that decides the answer's bytes: the release is fixed per cache (dropped on a switch)."""
        return (normalise_query(query), fmt, default_graphs, named_graphs, max_rows, max_bytes)

    @staticmethod
    def _size(key: tuple, body: bytes) -> int:
        return len(body) + len(key[0]) + sum(len(g) for g in key[2]) + sum(len(g) for g in key[3]) + AnswerCache.OVERHEAD

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found.answer

    def put(self, key: tuple, answer: Any, body: bytes) -> None:
        size = self._size(key, body)
        if size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = _Answer(answer, size)
            self._bytes += size
            self._evict()

    def finish(self, key: Hashable, request: tuple, headers: list[tuple[bytes, bytes]]) -> None:
        """Keep the complete header list a GET described by `request` (a tuple of str/bytes/bool facts) got
        with the answer under `key`; nothing if that answer is gone (evicted, or another release's)."""
        size = (sum(len(name) + len(value) for name, value in headers)
                + sum(len(part) for part in request if isinstance(part, (str, bytes))) + self.OVERHEAD)
        with self._lock:
            entry = self._items.get(key)
            if entry is None or request in self._routes or entry.size + size > self.max_bytes // 4:
                return
            entry.finished[request] = headers
            entry.size += size
            self._bytes += size
            self._routes[request] = key
            self._evict()

    def finished(self, request: tuple) -> tuple[Any, list[tuple[bytes, bytes]]] | None:
        """The answer and finished header list kept for exactly these request facts, if any."""
        with self._lock:
            key = self._routes.get(request)
            if key is None:
                return None
            entry = self._items[key]  # a route leaves with its entry (_evict)
            self._items.move_to_end(key)
            self.hits += 1
            self.fast_hits += 1
            return entry.answer, entry.finished[request]

    def _evict(self) -> None:
        while self._bytes > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self._bytes -= dropped.size
            for request in dropped.finished:
                del self._routes[request]

    @property
    def bytes(self) -> int:
        return self._bytes

    def stats(self) -> dict[str, int]:
        return {"entries": len(self._items), "bytes": self._bytes, "max_bytes": self.max_bytes, "hits": self.hits,
                "misses": self.misses, "fast_hits": self.fast_hits, "finished": len(self._routes)}


def normalise_query(query: str) -> str:
    """The cache key's form of a query text: without the white space around it (SPARQL's WS: a valid query can
    neither start nor end inside a string, so it never changes what the query means). Nothing inside is
    rewritten: a line end or a space inside a long string is part of a value."""
    return query.strip(" \t\r\n")
