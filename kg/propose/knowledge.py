"""What the proposer knows: the concept scheme and what curated localities already say.

Read once per process (rdflib parse of the scheme and the locality files); the leave-one-out
evaluation builds a `Lexicon` without one locality from the same parsed files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, DCTERMS

from ..namespaces import OA, SCHEMA, ZL
from ..paths import DATA, LOCALITIES, SCHEME_FILE
from ..seeds import load_seeds


@dataclass(frozen=True)
class Concept:
    iri: str
    label_zh: str
    label_en: str
    definition_zh: str
    alt_zh: tuple[str, ...]


@dataclass
class Curated:
    """The hand-curated facts of one locality, with their evidence spans (seed id, start, end)."""

    locality: str
    seed: str = ""
    start: int = 0
    end: int = 0
    adoptions: list[dict] = field(default_factory=list)   # {iri, mechanism, local_name, related, spans}
    figures: list[dict] = field(default_factory=list)     # {iri, key, printed, spans}
    documents: list[str] = field(default_factory=list)    # titles
    chains: list[dict] = field(default_factory=list)      # {iri, local_name, spans, tier_spans}
    subplaces: list[str] = field(default_factory=list)    # zh labels
    notes: list[dict] = field(default_factory=list)       # {iri, issue, spans}


def _zh(graph: Graph, node, predicate) -> list[str]:
    return [str(o) for o in graph.objects(node, predicate) if getattr(o, "language", None) == "zh"]


def _en(graph: Graph, node, predicate) -> str:
    return next((str(o) for o in graph.objects(node, predicate) if getattr(o, "language", None) == "en"), "")


@lru_cache(maxsize=1)
def concepts() -> tuple[Concept, ...]:
    """Every zl:Mechanism of the scheme (categories are not candidates: nothing is filed there)."""
    graph = Graph().parse(SCHEME_FILE, format="turtle")
    found = []
    for node in sorted(set(graph.subjects(RDF.type, ZL.Mechanism))):
        label = _zh(graph, node, SKOS.prefLabel)
        definition = _zh(graph, node, SKOS.definition)
        found.append(Concept(str(node), label[0] if label else "", _en(graph, node, SKOS.prefLabel),
                             definition[0] if definition else "", tuple(_zh(graph, node, SKOS.altLabel))))
    return tuple(found)


def _spans(graph: Graph, node) -> list[tuple[str, int, int]]:
    spans = []
    for ann in graph.subjects(OA.hasBody, node):
        target = graph.value(ann, OA.hasTarget)
        seed = graph.value(target, OA.hasSource)
        for sel in graph.objects(target, OA.hasSelector):
            if (sel, RDF.type, OA.TextPositionSelector) in graph:
                spans.append((str(seed).rsplit("/", 1)[-1], int(graph.value(sel, OA.start)), int(graph.value(sel, OA.end))))
    return sorted(spans)


def figure_key(value, minimum, maximum, unit: str, qualifier: str) -> tuple:
    """The comparable identity of a figure: value (or range), zh unit, qualifier local name."""
    def num(v):
        return None if v is None else round(float(v), 4)
    return (num(value), num(minimum), num(maximum), unit, qualifier)


def read_curated(path: Path) -> Curated:
    """The facts of one curated locality file (expanded form, as `kg fmt` writes it)."""
    graph = Graph().parse(path, format="turtle")
    cur = Curated(path.stem)
    for art in graph.subjects(RDF.type, ZL.Article):
        cur.seed = str(graph.value(art, ZL.inSource)).rsplit("/", 1)[-1]
        cur.start, cur.end = int(graph.value(art, ZL.startOffset)), int(graph.value(art, ZL.endOffset))
    for node in graph.subjects(RDF.type, ZL.Adoption):
        names = _zh(graph, node, ZL.localName)
        cur.adoptions.append({"iri": str(node), "mechanism": str(graph.value(node, ZL.mechanism)),
                              "local_name": names[0] if names else "", "related": _zh(graph, node, ZL.relatedTerm),
                              "spans": _spans(graph, node)})
    for node in graph.subjects(RDF.type, ZL.Figure):
        units = _zh(graph, node, SCHEMA.unitText)
        qualifier = str(graph.value(node, ZL.qualifier) or "").rsplit("#", 1)[-1]
        key = figure_key(graph.value(node, SCHEMA.value), graph.value(node, SCHEMA.minValue),
                         graph.value(node, SCHEMA.maxValue), units[0] if units else "", qualifier)
        cur.figures.append({"iri": str(node), "key": key, "printed": str(graph.value(node, ZL.printedValue)),
                            "spans": _spans(graph, node)})
    for node in graph.subjects(RDF.type, ZL.PolicyDocument):
        cur.documents += _zh(graph, node, DCTERMS.title)
    for node in graph.subjects(RDF.type, ZL.TierChain):
        names = _zh(graph, node, ZL.localName)
        tiers = sorted(span for tier in graph.objects(node, ZL.hasTier) for span in _spans(graph, tier))
        cur.chains.append({"iri": str(node), "local_name": names[0] if names else "", "spans": _spans(graph, node),
                           "tier_spans": tiers})
    for node in graph.subjects(RDF.type, ZL.SubPlace):
        cur.subplaces += _zh(graph, node, RDFS.label)
    for node in graph.subjects(RDF.type, ZL.LayoutNote):
        issue = str(graph.value(node, ZL.layoutIssue)).rsplit("#", 1)[-1]
        cur.notes.append({"iri": str(node), "issue": issue, "spans": _spans(graph, node)})
    return cur


@lru_cache(maxsize=1)
def all_curated(data_dir: Path = DATA) -> dict[str, Curated]:
    """locality id -> its curated facts, for every file in kg/data/localities."""
    return {p.stem: read_curated(p) for p in sorted((Path(data_dir) / LOCALITIES.name).glob("*.ttl"))}


def article_text(cur: Curated) -> str:
    seed = next(s for s in load_seeds() if s.path.stem == cur.seed)
    return seed.text[cur.start:cur.end]


@dataclass(frozen=True)
class Term:
    """A string known to name a concept, and where that knowledge comes from."""

    text: str
    concept: str
    reason: str  # "exact label" | "known local name"


def lexicon(exclude: str | None = None, data_dir: Path = DATA) -> list[Term]:
    """Labels of every concept and local names / related terms of every curated adoption.

    With exclude=locality, that locality's adoptions are left out, and so is every scheme
    label that only its article prints (a label no other article contains could only have
    come from it): the leave-one-out condition of the evaluation.
    """
    curated = all_curated(data_dir)
    others = [article_text(c) for loc, c in curated.items() if loc != exclude and c.seed]
    own = article_text(curated[exclude]) if exclude in curated and curated[exclude].seed else ""
    terms: list[Term] = []
    for concept in concepts():
        for label in (concept.label_zh, *concept.alt_zh):
            if not label:
                continue
            if exclude and label in own and not any(label in text for text in others):
                continue
            terms.append(Term(label, concept.iri, "exact label"))
    for loc, cur in curated.items():
        if loc == exclude:
            continue
        for ad in cur.adoptions:
            for name in [ad["local_name"], *ad["related"]]:
                if len(name) >= 2:
                    terms.append(Term(name, ad["mechanism"], "known local name"))
    return terms


@lru_cache(maxsize=1)
def scheme_rules() -> tuple[dict[str, str], frozenset[str]]:
    """(concept -> its skos:broader, concepts excluded from comparison): what the validator's
    label-misfiled rule needs."""
    graph = Graph().parse(SCHEME_FILE, format="turtle")
    broader = {str(s): str(o) for s, o in graph.subject_objects(SKOS.broader)}
    excluded = frozenset(str(s) for s in graph.subjects(ZL.excludedFromComparison, None))
    return broader, excluded


def allowed_by_labels(name: str, concept: str) -> bool:
    """May an adoption with this local name be filed under concept? Not when the name contains a
    zh label of another concept that concept is not (narrower than): kg validate, label-misfiled."""
    broader, excluded = scheme_rules()
    if concept in excluded:
        return True
    lineage, node = set(), concept
    while node and node not in lineage:
        lineage.add(node)
        node = broader.get(node)
    return all(c.iri in lineage for c in concepts()
               for label in (c.label_zh, *c.alt_zh) if len(label) >= 2 and label in name)


def concept_by_iri() -> dict[str, Concept]:
    return {c.iri: c for c in concepts()}


@lru_cache(maxsize=1)
def known_titles(data_dir: Path = DATA) -> dict[str, str]:
    """title -> document IRI of the shared documents file (documents cited by several localities)."""
    graph = Graph().parse(Path(data_dir) / "documents.ttl", format="turtle")
    return {str(o): str(s) for s, o in graph.subject_objects(DCTERMS.title)}


def iri_local(iri: str | URIRef) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
