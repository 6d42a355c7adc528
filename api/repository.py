"""The store behind a small interface, so a remote SPARQL server can stand in for the embedded one.

Callers pass values for query variables as `bindings` (never spliced into query
text by hand): the embedded store substitutes them as RDF terms.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol

import pyoxigraph as ox

from kg.namespaces import PREFIXES
from kg.store import to_python


class StoreUnavailable(Exception):
    """The store cannot answer now (remote server down, slow or broken)."""


class Repository(Protocol):
    kind: str

    def select(self, query: str, bindings: Mapping[str, str] | None = None) -> list[dict[str, Any]]: ...

    def construct(self, query: str, bindings: Mapping[str, str] | None = None) -> list[ox.Triple]: ...

    def quads(self) -> list[ox.Quad]: ...

    def triple_count(self) -> int: ...

    def health(self) -> dict[str, Any]: ...


class EmbeddedRepository:
    """The default: an in-process pyoxigraph store holding the validated build."""

    kind = "embedded"

    def __init__(self, store: ox.Store):
        self.store = store

    def _query(self, query: str, bindings: Mapping[str, str] | None):
        substitutions = {ox.Variable(k): ox.NamedNode(v) for k, v in (bindings or {}).items()}
        return self.store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True,
                                substitutions=substitutions or None)

    def select(self, query: str, bindings: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        result = self._query(query, bindings)
        names = [v.value for v in result.variables]
        return [{n: to_python(row[n]) for n in names} for row in result]

    def construct(self, query: str, bindings: Mapping[str, str] | None = None) -> list[ox.Triple]:
        return list(self._query(query, bindings))

    def quads(self) -> list[ox.Quad]:
        return list(self.store)

    def triple_count(self) -> int:
        return len(self.store)

    def health(self) -> dict[str, Any]:
        return {"store": self.kind, "ok": True, "quads": len(self.store)}
