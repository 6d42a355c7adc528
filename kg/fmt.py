"""Bring curated Turtle files into canonical form (and expand quote shorthand)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SKOS

from .evidence import expand_quotes
from .namespaces import EV, ZL
from .turtle import leading_comment, serialize


def canonical_text(path: Path, expand: bool = True) -> tuple[str, list[str]]:
    """The canonical text of a curated file and any errors found on the way."""
    text = path.read_text(encoding="utf-8")
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle")
    except Exception as exc:  # rdflib raises several parser exception types
        return text, [f"{path}: Turtle syntax error: {exc}"]
    had_quotes = expand and (None, ZL.quote, None) in graph
    errors = expand_quotes(graph) if expand else []
    if errors:
        return text, [f"{path}: {e}" for e in errors]
    if had_quotes:
        drop_evidence_stated_earlier(graph, path)
    derive_narrower(graph)
    return serialize(graph, leading_comment(text)), []


def drop_evidence_stated_earlier(graph: Graph, path: Path, files: list[Path] | None = None) -> None:
    """A span quoted in two files is one annotation (its IRI comes from the offsets): the first curated
    file states it, a later file keeps only what is its own (its oa:hasBody), so no triple is stated twice
    (qc: triple-in-two-files)."""
    from .dataset import curated_files

    files = [f.resolve() for f in (files if files is not None else curated_files())]
    here = path.resolve()
    if here not in files:
        return
    evidence = {s for s in graph.subjects() if str(s).startswith(str(EV))}
    if not evidence:
        return
    for earlier in files[:files.index(here)]:
        stated = Graph().parse(earlier, format="turtle")
        for subject in evidence:
            for p, o in stated.predicate_objects(subject):
                graph.remove((subject, p, o))


def derive_narrower(graph: Graph) -> None:
    """skos:narrower is written from skos:broader, never by hand, so the two cannot disagree.

    Only for parents described in the same file: a concept in another file gets its
    narrower links when that file is formatted.
    """
    described = set(graph.subjects())
    graph.remove((None, SKOS.narrower, None))
    for child, parent in list(graph.subject_objects(SKOS.broader)):
        if parent in described:
            graph.add((parent, SKOS.narrower, child))


def format_file(path: Path) -> list[str]:
    """Rewrite path canonically; return errors (file unchanged on error)."""
    text, errors = canonical_text(path)
    if not errors and text != path.read_text(encoding="utf-8"):
        path.write_text(text, encoding="utf-8")
    return errors
