"""The store behind a small interface, so a remote SPARQL server can stand in for the embedded one.

Callers pass IRIs for `$name` placeholders as `bindings`; they are validated as
IRIs and written as `<…>` terms by pyoxigraph, never spliced in as raw text.
"""

from __future__ import annotations

from string import Template
from typing import Any, Mapping, Protocol

import pyoxigraph as ox

from kg.namespaces import PREFIXES
from kg.store import to_python

from .echo import echo


class InvalidBinding(ValueError):
    """A value for a query placeholder that is not a valid IRI."""


def bind(query: str, bindings: Mapping[str, str] | None) -> str:
    """Fill `$name` placeholders with IRIs; raises InvalidBinding for anything that is not an IRI."""
    if not bindings:
        return query
    terms = {}
    for name, value in bindings.items():
        try:
            terms[name] = str(ox.NamedNode(value))
        except ValueError as exc:
            raise InvalidBinding(f"not a valid IRI: {echo(value)}") from exc
    return Template(query).safe_substitute(terms)


class StoreUnavailable(Exception):
    """The store cannot answer now (remote server down, slow or broken)."""


class Repository(Protocol):
    kind: str

    def select(self, query: str, bindings: Mapping[str, str] | None = None) -> list[dict[str, Any]]: ...

    def construct(self, query: str, bindings: Mapping[str, str] | None = None) -> list[ox.Triple]: ...

    def quads(self) -> list[ox.Quad]: ...

    def health(self) -> dict[str, Any]: ...


class EmbeddedRepository:
    """The default: an in-process pyoxigraph store holding the validated build
    (in memory, or opened read-only from a directory written by `kg build`)."""

    kind = "embedded"

    def __init__(self, store: ox.Store, location: str | None = None, checksum: str | None = None,
                 quad_count: int | None = None):
        self.store = store
        self.location = location
        self.checksum = checksum
        self.quad_count = quad_count

    def _query(self, query: str, bindings: Mapping[str, str] | None):
        return self.store.query(bind(query, bindings), prefixes=PREFIXES, use_default_graph_as_union=True)

    def select(self, query: str, bindings: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        result = self._query(query, bindings)
        names = [v.value for v in result.variables]
        return [{n: to_python(row[n]) for n in names} for row in result]

    def construct(self, query: str, bindings: Mapping[str, str] | None = None) -> list[ox.Triple]:
        return list(self._query(query, bindings))

    def quads(self) -> list[ox.Quad]:
        return list(self.store)

    def health(self) -> dict[str, Any]:
        quads = self.quad_count if self.quad_count is not None else len(self.store)
        return {"store": self.kind, "ok": True, "quads": quads}
