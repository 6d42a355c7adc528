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
