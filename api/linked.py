"""RDF descriptions of one resource, for linked-data resolution and JSON-LD responses, and the view of a
resource that the /id/… HTML page shows (labels, prefixed names, inverse links), as LodView does it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import Graph, Literal as RdfLiteral, URIRef
from rdflib.namespace import RDFS, SKOS

from kg.export import jsonld_context
from kg.namespaces import ID, PREFIXES
from kg.paths import ONTOLOGY

from .catalog import Catalog, Label, local_id
from .repository import Repository
from .script import HAN

# The resource's own triples, those of the facts about it (adoptions, figures, chains, tiers),
# and their evidence annotations with targets and selectors.
DESCRIBE = """
CONSTRUCT { ?s ?p ?o } WHERE {
  { $x ?p ?o BIND($x AS ?s) }
  UNION { ?s zl:locality|zl:adoption|zl:mechanism $x . ?s ?p ?o }
  UNION { $x zl:hasTier ?s . ?s ?p ?o }
  UNION { ?s oa:hasBody $x . ?s ?p ?o }
  UNION { ?ann oa:hasBody $x ; oa:hasTarget ?s . ?s ?p ?o }
  UNION { ?ann oa:hasBody $x ; oa:hasTarget/oa:hasSelector ?s . ?s ?p ?o }
}"""

# Everything that points to the resource (LodView's "inverse" section).
INVERSE = "SELECT ?s ?p WHERE { ?s ?p $x FILTER(isIRI(?s)) }"

RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
# /id/x.ttl etc.: one URL per representation, beside content negotiation on /id/x.
SUFFIXES = {
    "html": "text/html",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
FORMAT_NAMES = {"text/turtle": "Turtle", "application/ld+json": "JSON-LD", "application/n-triples": "N-Triples",
                "application/rdf+xml": "RDF/XML", "text/html": "HTML"}
CONTEXT_PATH = "/ns/context.jsonld"
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
EXTERNAL_LABELS = ONTOLOGY / "external-labels.ttl"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
INVERSE_CAP = 12  # inverse links shown per property; the rest are counted and found by a SPARQL link


def describe(repo: Repository, iri: str) -> list[ox.Triple]:
    return repo.construct(DESCRIBE, {"x": iri})


def inverse(repo: Repository, iri: str) -> list[tuple[str, str]]:
    """(subject, predicate) of every triple whose object is the resource."""
    return [(row["s"], row["p"]) for row in repo.select(INVERSE, {"x": iri})]


def serialize(triples: list[ox.Triple], media_type: str) -> bytes:
    if media_type == "application/ld+json":
        return to_jsonld(triples)
    kwargs = {"prefixes": PREFIXES} if media_type != "application/n-triples" else {}
    return ox.serialize(triples, format=RDF_TYPES[media_type], **kwargs)


def to_jsonld(triples: list[ox.Triple]) -> bytes:
    """Compacted JSON-LD with the project's context inline (rdflib does the compaction). The context stays in
    the body so that any JSON-LD processor reads the answer offline; the same context is served at
    CONTEXT_PATH and named by `context_link`."""
    graph = Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    return graph.serialize(format="json-ld", context=jsonld_context(), auto_compact=True).encode("utf-8")


def context_link(public_url: str) -> str:
    """`Link` header value naming the project's JSON-LD context at its stable URL."""
    return f'<{public_url.rstrip("/")}{CONTEXT_PATH}>; rel="{CONTEXT_REL}"'


def split_suffix(path: str) -> tuple[str, str | None]:
    """`locality/x.ttl` -> (`locality/x`, text/turtle); a path without a known suffix is returned whole.
    (Minted local names never contain a dot, so a suffix cannot be part of a name.)"""
    stem, dot, suffix = path.rpartition(".")
    if dot and "/" not in suffix and suffix in SUFFIXES and stem:
        return stem, SUFFIXES[suffix]
    return path, None


def alternates(path: str) -> list[tuple[str, str, str]]:
    """(URL, media type, name) of every representation of /id/{path}."""
    return [(f"/id/{quote(path)}.{suffix}", media, FORMAT_NAMES[media]) for suffix, media in SUFFIXES.items()]


def link_header(path: str, public_url: str, media: str) -> str:
    """RFC 8288 Link: every other representation as rel=alternate, the suffix-free IRI path as canonical,
    and (for JSON-LD) the context."""
    links = [f'<{url}>; rel="alternate"; type="{m}"' for url, m, _ in alternates(path) if m != media]
    links.append(f'</id/{quote(path)}>; rel="canonical"')
    if media == "application/ld+json":
        links.append(context_link(public_url))
    return ", ".join(links)


# ---------------------------------------------------------------- labels and names


@lru_cache(maxsize=1)
def external_labels() -> dict[str, Label]:
    """zh/en labels of the standard-vocabulary terms the data uses (ontology/external-labels.ttl)."""
    graph = Graph().parse(EXTERNAL_LABELS, format="turtle")
    out: dict[str, Label] = {}
    for s, _, o in graph.triples((None, RDFS.label, None)):
        if isinstance(s, URIRef) and isinstance(o, RdfLiteral) and o.language in ("zh", "en"):
            label = out.setdefault(str(s), Label())
            setattr(label, o.language, str(o))
    for s, _, o in graph.triples((None, SKOS.prefLabel, None)):  # tolerated, though the file uses rdfs:label
        if isinstance(s, URIRef) and isinstance(o, RdfLiteral) and o.language in ("zh", "en"):
            label = out.setdefault(str(s), Label())
            if not getattr(label, o.language):
                setattr(label, o.language, str(o))
    return out


def _namespaces() -> list[tuple[str, str]]:
    return sorted(((ns, p) for p, ns in PREFIXES.items()), key=lambda pair: -len(pair[0]))


def prefixed(iri: str) -> str:
    """The prefixed name (`zl:locality`, `loc:jinchang`) of an IRI, or the IRI itself when no prefix fits."""
    for ns, prefix in _namespaces():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def label_of(cat: Catalog, iri: str) -> Label | None:
    """The resource's zh/en label, from the graph (ontology included) or the external-vocabulary table;
    None when it has none (the page then shows its prefixed name)."""
    if iri in cat.adoptions:
        return cat.label(iri)
    if iri in cat.notes:  # a layout note is named by the kind of layout problem it records
        return cat.notes[iri].issue
    if iri in cat.evidence:  # an evidence annotation is named by the words it quotes
        quote = cat.evidence[iri].exact
        quote = "「" + (quote if len(quote) <= 40 else quote[:39] + "…") + "」"
        return Label(quote, "")  # the quote is Chinese whatever the page language
    label = cat.labels.get(iri) or external_labels().get(iri)
    return label if label and (label.zh or label.en) else None


def friendly_page(cat: Catalog, iri: str) -> str | None:
    """The human page that presents the resource (/localities/x, /mechanisms/x, /documents/x, /sources/x, or
    the place on such a page where a fact about it is shown), if there is one."""
    pages = {"locality": "/localities/{}", "mechanism": "/mechanisms/{}", "document": "/documents/{}",
             "source": "/sources/{}"}
    kind = cat.kind(iri)
    if iri in cat.categories:
        return f"/mechanisms#{local_id(iri)}"
    if kind in pages and local_id(iri) in cat.by_id.get(kind, {}):
        return pages[kind].format(local_id(iri))
    for table in (cat.adoptions, cat.figures, cat.chains, cat.notes, cat.sub_places):
        if iri in table and table[iri].locality in cat.localities:
            return f"/localities/{local_id(table[iri].locality)}#{local_id(iri)}"
    for chain in cat.chains.values():
        if any(t.iri == iri for t in chain.tiers):
            return f"/localities/{local_id(chain.locality)}#{chain.id}"
    if iri in cat.evidence:
        return f"/sources/{cat.evidence[iri].source}#{local_id(iri)}"
    if iri in cat.articles:
        return f"/sources/{cat.articles[iri].source}"
    return None


# ---------------------------------------------------------------- the page's view of a resource


@dataclass
class Text:
    """A piece of text with the language it is in (for the `lang` attribute)."""
    value: str
    lang: str = ""


@dataclass
class Value:
    """One object of a property: a resource (with label and prefixed name) or a literal."""
    text: Text
    href: str | None = None      # where a resource resolves (/id/… or the vocabulary's own IRI)
    name: str | None = None      # prefixed name (or full IRI) of a resource
    tag: str | None = None       # a literal's language tag or prefixed datatype


@dataclass
class Row:
    iri: str
    label: Text | None
    name: str
    values: list[Value] = field(default_factory=list)
    more: int = 0                # inverse rows: how many subjects are not listed
    more_query: str | None = None


def pick(label: Label | None, lang: str) -> Text | None:
    """The label in the page language, falling back to the other, with the language it is in."""
    if label is None:
        return None
    order = ("zh", "en") if lang == "zh" else ("en", "zh")
    for code in order:
        if getattr(label, code):
            return Text(getattr(label, code), code)
    return None


def href(iri: str) -> str:
    return "/id/" + iri[len(ID):] if iri.startswith(ID) else iri


def _resource(cat: Catalog, iri: str, lang: str) -> Value:
    name = prefixed(iri)
    return Value(pick(label_of(cat, iri), lang) or Text(name), href(iri), name)


def untagged_language(value: str) -> str:
    """The `lang` of a literal without a language tag: Chinese if it has Chinese characters (the dataset's
    untagged text is the sources' own, such as headlines and titles), else `zxx`, no linguistic content
    (identifiers, hashes, numbers, codes)."""
    return "zh" if HAN.search(value) else "zxx"


def _value(cat: Catalog, term, lang: str) -> Value:
    if isinstance(term, ox.NamedNode):
        return _resource(cat, term.value, lang)
    if isinstance(term, ox.Literal):
        if term.language:
            return Value(Text(term.value, term.language), tag="@" + term.language)
        datatype = term.datatype.value
        plain = datatype.endswith("#string")
        return Value(Text(term.value, untagged_language(term.value)), tag=None if plain else prefixed(datatype))
    return Value(Text("_:" + term.value))


def _row(cat: Catalog, predicate: str, lang: str) -> Row:
    return Row(predicate, pick(label_of(cat, predicate), lang), prefixed(predicate))


FIRST = [RDF_TYPE, str(RDFS.label), str(SKOS.prefLabel)]


def _order(row: Row) -> tuple:
    return (FIRST.index(row.iri) if row.iri in FIRST else len(FIRST), row.name)


def property_rows(cat: Catalog, iri: str, triples: list[ox.Triple], lang: str) -> list[Row]:
    """The resource's own properties, one row per property, values sorted (page language first)."""
    rows: dict[str, Row] = {}
    for t in triples:
        if t.subject.value != iri or not isinstance(t.subject, ox.NamedNode):
            continue
        p = t.predicate.value
        rows.setdefault(p, _row(cat, p, lang)).values.append(_value(cat, t.object, lang))
    for row in rows.values():
        row.values.sort(key=lambda v: (v.href is None, v.text.lang not in ("", lang), v.text.value))
    return sorted(rows.values(), key=_order)


def inverse_rows(cat: Catalog, iri: str, pairs: list[tuple[str, str]], lang: str, cap: int = INVERSE_CAP) -> list[Row]:
    """Resources pointing to this one, grouped by property: at most `cap` listed per property, the rest
    counted, with a SPARQL query that lists them all."""
    grouped: dict[str, list[str]] = {}
    for s, p in pairs:
        grouped.setdefault(p, [])
        if s not in grouped[p]:
            grouped[p].append(s)
    rows = []
    for p, subjects in grouped.items():
        row = _row(cat, p, lang)
        values = sorted((_resource(cat, s, lang) for s in subjects), key=lambda v: (v.text.value == v.name, v.text.value))
        row.values, row.more = values[:cap], max(0, len(values) - cap)
        if row.more:
            row.more_query = f"SELECT ?s WHERE {{ ?s <{p}> <{iri}> }}"
        rows.append(row)
    return sorted(rows, key=lambda r: (-len(r.values) - r.more, r.name))


def types_of(cat: Catalog, iri: str, triples: list[ox.Triple], lang: str) -> list[Value]:
    return sorted((_resource(cat, t.object.value, lang) for t in triples
                   if t.subject.value == iri and t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)),
                  key=lambda v: v.text.value)


def other_label(label: Label | None, shown: Text | None) -> Text | None:
    """The label in the other language, when it differs from the one shown as the title."""
    if label is None or shown is None:
        return None
    code = "en" if shown.lang == "zh" else "zh"
    value = getattr(label, code)
    return Text(value, code) if value and value != shown.value else None
