"""`kg query`: SPARQL over the built store, printed as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox

from .namespaces import PREFIXES
from .store import build_store


def run_query(text: str, output: str = "table", store: ox.Store | None = None) -> str:
    """Run text (SELECT, ASK, CONSTRUCT or DESCRIBE) and render it; raises SyntaxError."""
    store = store or build_store()
    result = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryBoolean):
        return json.dumps({"boolean": bool(result)}) + "\n" if output == "json" else f"{bool(result)}\n"
    if isinstance(result, ox.QueryTriples):
        return result.serialize(format=ox.RdfFormat.TURTLE).decode("utf-8")
    if output == "json":
        return result.serialize(format=ox.QueryResultsFormat.JSON).decode("utf-8") + "\n"
    names = [v.value for v in result.variables]
    rows = [[_cell(row[n]) for n in names] for row in result]
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(rows)
        return buffer.getvalue()
    return format_table(names, rows)


def _cell(node) -> str:
    if node is None:
        return ""
    if isinstance(node, ox.NamedNode):
        return _short(node.value)
    return node.value


def _short(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def format_table(names: list[str], rows: list[list[str]]) -> str:
    widths = [max([_width(n)] + [_width(r[i]) for r in rows]) for i, n in enumerate(names)]
    pad = lambda text, w: text + " " * (w - _width(text))  # noqa: E731
    lines = [" | ".join(pad(n, w) for n, w in zip(names, widths)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(pad(c, w) for c, w in zip(row, widths)).rstrip() for row in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"
