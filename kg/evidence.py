"""Web Annotation evidence: expand the `zl:quote` authoring shorthand into full annotations.

A curator writes `ad:x zl:quote "verbatim span"`; `kg fmt` finds the span in the
seeds (it must occur exactly once) and writes an oa:Annotation whose target has
a TextQuoteSelector and a TextPositionSelector (offsets in code points).
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from .namespaces import EV, OA, ZL
from .seeds import Seed, load_seeds, occurrences


class QuoteError(ValueError):
    """A shorthand quote that is not found, or found more than once, in the seeds."""


@dataclass(frozen=True)
class Span:
    seed: Seed
    start: int
    end: int

    @property
    def exact(self) -> str:
        return self.seed.text[self.start:self.end]

    @property
    def annotation(self) -> URIRef:
        return EV[f"s{self.seed.number}-{self.start:05d}-{self.end:05d}"]


def locate(quote: str, seeds: tuple[Seed, ...] | None = None) -> list[Span]:
    """Every occurrence of quote in every seed."""
    seeds = seeds if seeds is not None else load_seeds()
    return [Span(s, i, i + len(quote)) for s in seeds for i in occurrences(s.text, quote)]


def annotation_triples(span: Span, body: URIRef) -> list[tuple]:
    """The triples of one evidence annotation of `body` at `span`."""
    ann = span.annotation
    target, quote, position = (URIRef(f"{ann}-{suffix}") for suffix in ("target", "quote", "position"))
    return [
        (ann, RDF.type, OA.Annotation),
        (ann, OA.motivatedBy, OA.describing),
        (ann, OA.hasBody, body),
        (ann, OA.hasTarget, target),
        (target, RDF.type, OA.SpecificResource),
        (target, OA.hasSource, URIRef(span.seed.iri)),
        (target, OA.hasSelector, quote),
        (target, OA.hasSelector, position),
        (quote, RDF.type, OA.TextQuoteSelector),
        (quote, OA.exact, Literal(span.exact)),
        (position, RDF.type, OA.TextPositionSelector),
        (position, OA.start, Literal(span.start, datatype=XSD.nonNegativeInteger)),
        (position, OA.end, Literal(span.end, datatype=XSD.nonNegativeInteger)),
    ]


def expand_quotes(graph: Graph, seeds: tuple[Seed, ...] | None = None) -> list[str]:
    """Replace every zl:quote in graph by an annotation; return the errors (graph untouched on error)."""
    errors, additions, removals = [], [], []
    for subject, quote in graph.subject_objects(ZL.quote):
        text = str(quote)
        spans = locate(text, seeds)
        if len(spans) != 1:
            where = ", ".join(f"{s.seed.identifier}@{s.start}" for s in spans) or "nowhere"
            errors.append(
                f"{subject}: quote {text!r} occurs {len(spans)} times ({where}); "
                "make it longer, or write the annotation out (see `kg locate`)"
            )
            continue
        additions.extend(annotation_triples(spans[0], subject))
        removals.append((subject, ZL.quote, quote))
    if not errors:
        for triple in removals:
            graph.remove(triple)
        for triple in additions:
            graph.add(triple)
    return errors
