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


class AnswerCache:
    """SPARQL answers, remembered by (normalised query, dataset parameters, format, caps).

    The dataset cannot change while a process serves a release, so an answer is exact for as long as
    the release is served; Service.adopt drops the whole cache on a release switch. Bounded by bytes
    (the body and the key's text both count), least recently used first out: a stream of distinct
    queries cannot grow it past `max_bytes`. An answer larger than a quarter of the bound is not kept,
    so one huge result cannot flush everything else.
    """

    OVERHEAD = 256  # the entry's own objects (tuple, key, ints), counted so that many tiny answers stay bounded

    def __init__(self, max_bytes: int = 64 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

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
            return found[0]

    def put(self, key: tuple, answer: Any, body: bytes) -> None:
        size = self._size(key, body)
        if size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (answer, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    @property
    def bytes(self) -> int:
        return self._bytes

    def stats(self) -> dict[str, int]:
        return {"entries": len(self._items), "bytes": self._bytes, "max_bytes": self.max_bytes, "hits": self.hits,
                "misses": self.misses}


def normalise_query(query: str) -> str:
    """The cache key's form of a query text: without the white space around it (SPARQL's WS: a valid query can
    neither start nor end inside a string, so it never changes what the query means). Nothing inside is
    rewritten: a line end or a space inside a long string is part of a value."""
    return query.strip(" \t\r\n")
