"""Write SPARQL results under row and byte caps.

SELECT: pyoxigraph's own (Rust) serializer writes the result while a byte cap
watches; rows are counted afterwards. Only a result over a cap is written again
by the Python writers here, which stop part-way and keep the result well-formed.
ASK: written here. CONSTRUCT/DESCRIBE: Turtle, N-Triples, RDF/XML, JSON-LD via
pyoxigraph's serializers.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.namespaces import PREFIXES

RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}
_RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}


class NotRepresentable(ValueError):
    """The result holds something the chosen format cannot carry (the client should ask for another: 406)."""

    status = 406

    def __init__(self, fmt: str, why: str, alternatives: str):
        super().__init__(f"not representable in {fmt}: {why}; ask for {alternatives} instead")


# Code points XML 1.0 cannot carry at all, not even as character references: C0 controls other than
# tab, LF and CR, U+FFFE and U+FFFF (as UTF-8 bytes; surrogates cannot occur in UTF-8 from pyoxigraph).
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
XML_ALTERNATIVES = {"xml": "SPARQL JSON, CSV or TSV (format=json, csv or tsv)",
                    "rdfxml": "Turtle, N-Triples or JSON-LD (format=turtle, ntriples or jsonld)"}


def check_xml(body: bytes, fmt: str) -> None:
    """Raise NotRepresentable if an XML body (SPARQL XML results, RDF/XML) holds a character XML 1.0 forbids:
    such a document would not be well-formed, and altering the data silently is not an option."""
    found = _NOT_XML.search(body)
    if found:
        char = found.group().decode("utf-8")
        name = {"xml": "SPARQL XML", "rdfxml": "RDF/XML"}[fmt]
        raise NotRepresentable(name, f"the result contains the character U+{ord(char):04X}, which XML 1.0 cannot "
                                     "represent", XML_ALTERNATIVES[fmt])


def _has_triple_term(triple) -> bool:
    return isinstance(triple.subject, ox.Triple) or isinstance(triple.object, ox.Triple)


@dataclass
class Written:
    body: bytes
    rows: int
    truncated: str | None  # None, or why the result was cut


_SKIPPED_SCOPES = {"FILTER", "MINUS"}  # their variables are never in scope of the group they sit in


def star_order(query: str) -> tuple[str, ...] | None:
    """For a `SELECT *` query, its variables in the order they first appear in the query's pattern (SPARQL 1.1
    §18.2.4.1 gives no order, but every engine that keeps one, and every reader, expects this). None for any
    other query. pyoxigraph (0.5) returns `SELECT *` variables sorted by name, remote engines in an order of
    their own; the writers below follow this order instead. Reads the tokens of the endpoint's own SPARQL
    grammar (api/sparql/guard.py), so a `?x` inside a string, IRI or comment is never taken for a variable;
    variables inside FILTER and MINUS are skipped (they are never in scope there). Call it in the server
    process, where the guard's parser is built."""
    if not _SELECT_STAR.search(query):
        return None
    return _star_order_remembered(query) if len(query) <= 8192 else _star_order(query)


_SELECT_STAR = re.compile(r"SELECT(?:\s|#[^\n\r]*)*(?:(?:DISTINCT|REDUCED)(?:\s|#[^\n\r]*)*)?\*", re.I)


@lru_cache(maxsize=256)
def _star_order_remembered(query: str) -> tuple[str, ...] | None:
    return _star_order(query)


def _star_order(query: str) -> tuple[str, ...] | None:
    from .guard import _parser

    interactive = _parser().parse_interactive(query, start="query_unit")
    names: dict[str, None] = {}
    seen_select = star = False
    depth, skip_until = 0, None
    pending_skip = False
    try:
        for token in interactive.iter_parse():
            kind = token.type
            if not seen_select:
                if kind == "SELECT":
                    seen_select = True
                continue
            if not star:
                if kind in ("DISTINCT", "REDUCED"):
                    continue
                if kind != "STAR":
                    return None
                star = True
                continue
            if kind in ("LPAR", "LBRACE", "LSQB"):
                depth += 1
                if pending_skip:
                    skip_until, pending_skip = depth - 1, False
            elif kind in ("RPAR", "RBRACE", "RSQB"):
                depth -= 1
                if skip_until is not None and depth == skip_until:
                    skip_until = None
            elif kind in _SKIPPED_SCOPES and skip_until is None:
                pending_skip = True
            elif kind in ("VAR1", "VAR2") and skip_until is None and not pending_skip:
                names.setdefault(token.value[1:], None)
    except Exception:  # the guard has accepted the text already; if it cannot be read here, keep the engine's order
        return None
    return tuple(names) if star else None


def _order(solutions, order) -> list[str]:
    """The variable names to write: `order` when it names exactly the engine's variables, else the engine's."""
    names = [v.value for v in solutions.variables]
    if order:
        first = [n for n in order if n in names]
        return first + [n for n in names if n not in first]
    return names


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {k: _json_term(getattr(term, k)) for k in ("subject", "predicate", "object")}}
    return {"type": "literal", "value": str(term)}


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):  # RDF 1.2 triple term, as pyoxigraph's own XML writer has it
        return "<triple>" + "".join(f"<{k}>{_xml_term(getattr(term, k))}</{k}>"
                                    for k in ("subject", "predicate", "object")) + "</triple>"
    return f"<literal>{escape(str(term))}</literal>"


def _csv_cell(term) -> str:
    if term is None:
        return ""
    value = term.value if isinstance(term, (ox.NamedNode, ox.Literal)) else (
        f"_:{term.value}" if isinstance(term, ox.BlankNode) else str(term))
    if any(c in value for c in ',"\r\n'):
        value = '"' + value.replace('"', '""') + '"'
    return value


def _tsv_cell(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        # TSV uses the Turtle form of terms
        return str(term).replace("\t", "\\t").replace("\n", "\\n")
    return str(term)


def write_boolean(value: bool, fmt: str) -> Written:
    if fmt == "json":
        return Written(json.dumps({"head": {}, "boolean": value}).encode(), 1, None)
    if fmt == "xml":
        body = ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n")
        return Written(body.encode(), 1, None)
    return Written(("true\n" if value else "false\n").encode(), 1, None)


class _OverCap(Exception):
    """The native serializer wrote more than the byte cap."""


class _CappedBuffer:
    """A write target that refuses to grow past a byte limit."""

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _OverCap()
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def count_rows(body: bytes, fmt: str) -> int:
    """Rows in a complete SPARQL result document as pyoxigraph writes it."""
    if fmt == "json":
        import orjson

        return len(orjson.loads(body)["results"]["bindings"])
    if fmt == "xml":
        return body.count(b"<result>")  # "<" is always escaped inside values
    if fmt == "tsv":
        return body.count(b"\n") - 1  # newlines inside terms are escaped as \n
    if b'"' not in body:
        return body.count(b"\r\n") - 1
    return sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1


def write_solutions_native(solutions: ox.QuerySolutions, fmt: str, max_rows: int, max_bytes: int,
                           order: tuple[str, ...] | None = None) -> Written | None:
    """The whole result through pyoxigraph's serializer, or None if it would break a cap
    (the caller then evaluates again and writes with `write_solutions`, which cuts it).
    A `SELECT *` whose pattern order (`order`, from star_order) differs from the engine's is written by
    `write_solutions`, which follows it."""
    if order and _order(solutions, order) != [v.value for v in solutions.variables]:
        return write_solutions(solutions, fmt, max_rows, max_bytes, order)
    buffer = _CappedBuffer(max_bytes)
    try:
        solutions.serialize(buffer, format=_RESULT_FORMATS[fmt])
    except _OverCap:
        return None
    body = b"".join(buffer.parts)
    rows = count_rows(body, fmt)
    return Written(body, rows, None) if rows <= max_rows else None


def write_solutions(solutions: ox.QuerySolutions, fmt: str, max_rows: int, max_bytes: int,
                    order: tuple[str, ...] | None = None) -> Written:
    """Serialize rows until a cap is reached; the result stays well-formed when cut. Columns follow `order`
    (a `SELECT *` query's pattern order) where given, else the engine's order."""
    names = _order(solutions, order)
    rows, size, truncated = 0, 0, None
    parts: list[str] = []
    if fmt == "json":
        head_text = '{"head":{"vars":' + json.dumps(names) + '},"results":{"bindings":['
        tail_text = "]}}"
    elif fmt == "xml":
        head_text = ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>'
                     + "".join(f"<variable name={quoteattr(n)}/>" for n in names) + "</head><results>\n")
        tail_text = "</results></sparql>\n"
    elif fmt == "csv":
        head_text, tail_text = ",".join(names) + "\r\n", ""
    else:
        head_text, tail_text = "\t".join(f"?{n}" for n in names) + "\n", ""
    size = len(head_text.encode()) + len(tail_text.encode())
    for solution in solutions:
        if rows >= max_rows:
            truncated = f"row limit of {max_rows} reached"
            break
        if fmt == "json":
            item = json.dumps({n: _json_term(solution[n]) for n in names if solution[n] is not None}, ensure_ascii=False)
            piece = ("," if rows else "") + item
        elif fmt == "xml":
            piece = "<result>" + "".join(
                f"<binding name={quoteattr(n)}>{_xml_term(solution[n])}</binding>" for n in names if solution[n] is not None
            ) + "</result>\n"
        elif fmt == "csv":
            piece = ",".join(_csv_cell(solution[n]) for n in names) + "\r\n"
        else:
            piece = "\t".join(_tsv_cell(solution[n]) for n in names) + "\n"
        piece_size = len(piece.encode())
        if size + piece_size > max_bytes:
            truncated = f"result size limit of {max_bytes} bytes reached"
            break
        parts.append(piece)
        size += piece_size
        rows += 1
    return Written((head_text + "".join(parts) + tail_text).encode(), rows, truncated)


def write_triples(triples: ox.QueryTriples, fmt: str, max_rows: int, max_bytes: int) -> Written:
    kept, truncated, size = [], None, 0
    for triple in triples:
        if len(kept) >= max_rows:
            truncated = f"triple limit of {max_rows} reached"
            break
        size += len(str(triple))  # N-Triples length: stop collecting long before memory does
        if size > max_bytes:
            truncated = f"result size limit of {max_bytes} bytes reached"
            break
        kept.append(triple)
    if fmt == "jsonld" and any(_has_triple_term(t) for t in kept):
        raise NotRepresentable("JSON-LD", "the result contains a triple term (RDF 1.2), which JSON-LD cannot carry",
                               "Turtle, N-Triples or RDF/XML (format=turtle, ntriples or rdfxml)")
    kwargs = {"prefixes": PREFIXES} if fmt in ("turtle", "rdfxml") else {}
    body = ox.serialize(kept, format=_RDF_FORMATS[fmt], **kwargs)
    while len(body) > max_bytes and kept:
        kept = kept[: len(kept) // 2]
        truncated = f"result size limit of {max_bytes} bytes reached"
        body = ox.serialize(kept, format=_RDF_FORMATS[fmt], **kwargs)
    return Written(body, len(kept), truncated)
