"""Canonical Turtle: one deterministic serialization so curated diffs stay readable.

rdflib's serializer is not used for curated files because its layout of
literals, prefixes and subject order is not stable across versions.
"""

from __future__ import annotations

import re

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from .namespaces import PREFIXES

_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
# Subjects are grouped by namespace in this order, then by natural-sorted local name.
_SUBJECT_ORDER = [
    "loc", "place", "seed", "art", "agent", "doc", "zl", "mech", "orgtype", "ad", "fig", "tier", "note", "ev",
]
# Label-like predicates come right after rdf:type; the rest alphabetically.
_PREDICATE_FIRST = ["skos:prefLabel", "rdfs:label", "skos:altLabel", "dcterms:title"]
_LANG_ORDER = {"zh": 0, "en": 1}


class CanonicalError(ValueError):
    """The graph cannot be written canonically (e.g. it holds blank nodes)."""


def qname(iri: str) -> str:
    """Prefixed name where the local part is simple, else <iri>."""
    best = None
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            local = iri[len(ns):]
            if _LOCAL.match(local) and (best is None or len(ns) > len(PREFIXES[best[0]])):
                best = (prefix, local)
    return f"{best[0]}:{best[1]}" if best else f"<{iri}>"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace('"', '\\"')
        .replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )


def literal(term: Literal) -> str:
    lex = str(term)
    if term.language:
        return f'"{_escape(lex)}"@{term.language}'
    dt = term.datatype
    if dt is None or dt == XSD.string:
        return f'"{_escape(lex)}"'
    if dt == XSD.integer and re.fullmatch(r"[+-]?\d+", lex):
        return lex
    if dt == XSD.decimal and re.fullmatch(r"[+-]?\d*\.\d+", lex):
        return lex
    if dt == XSD.boolean and lex in ("true", "false"):
        return lex
    return f'"{_escape(lex)}"^^{qname(str(dt))}'


def term(node, predicate: bool = False) -> str:
    """A node as Turtle; `a` abbreviates rdf:type only in predicate position (Turtle allows it nowhere else)."""
    if isinstance(node, BNode):
        raise CanonicalError("blank nodes are not allowed in curated files; mint an IRI")
    if isinstance(node, Literal):
        return literal(node)
    if predicate and node == RDF.type:
        return "a"
    return qname(str(node))


def _natural(text: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


def _subject_key(node: URIRef):
    q = qname(str(node))
    prefix = q.split(":", 1)[0] if not q.startswith("<") else "~"
    rank = _SUBJECT_ORDER.index(prefix) if prefix in _SUBJECT_ORDER else len(_SUBJECT_ORDER)
    return (rank, _natural(q))


def _predicate_key(node: URIRef):
    if node == RDF.type:
        return (0, 0, "")
    q = qname(str(node))
    if q in _PREDICATE_FIRST:
        return (1, _PREDICATE_FIRST.index(q), q)
    return (2, 0, q)


def _object_key(node):
    if isinstance(node, Literal):
        return (1, _LANG_ORDER.get(node.language or "", 2), node.language or "", str(node.datatype or ""), str(node))
    return (0, 0, "", "", _natural(term(node)))


def serialize(graph: Graph, header: str = "") -> str:
    """The canonical text of a graph: used prefixes, then one block per subject."""
    blocks = []
    for subject in sorted(set(graph.subjects()), key=_subject_key):
        if isinstance(subject, BNode):
            raise CanonicalError("blank nodes are not allowed in curated files; mint an IRI")
        lines = []
        predicates = sorted(set(graph.predicates(subject)), key=_predicate_key)
        for predicate in predicates:
            objects = sorted(set(graph.objects(subject, predicate)), key=_object_key)
            lines.append(f"{term(predicate, predicate=True)} " + " , ".join(term(o) for o in objects))
        blocks.append(term(subject) + " " + " ;\n    ".join(lines) + " .\n")
    body = "\n".join(blocks)
    used = [p for p, ns in PREFIXES.items() if re.search(rf"(?<![\w<]){re.escape(p)}:", body)]
    prefix_block = "".join(f"@prefix {p}: <{PREFIXES[p]}> .\n" for p in used)
    head = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return head + (("\n" if head else "") + prefix_block + "\n" + body if body else prefix_block)


def leading_comment(text: str) -> str:
    """The comment block at the top of a file, kept across re-serialization."""
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            lines.append(line[2:] if line.startswith("# ") else line[1:])
        else:
            break
    return "\n".join(lines)
