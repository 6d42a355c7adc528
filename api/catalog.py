"""An in-memory view of the curated graph, read once from the repository at start-up.

The graph is read-only while served, so REST endpoints and pages read these
plain Python objects instead of querying per request. Everything here comes
from SPARQL over the repository; nothing is read from the Turtle files.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from kg.comparison import RESTATED, is_true
from kg.namespaces import ID
from kg.seeds import load_seeds

from .repository import Repository


def local_id(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class Label:
    zh: str = ""
    en: str = ""

    def get(self, lang: str) -> str:
        return (self.zh or self.en) if lang == "zh" else (self.en or self.zh)


@dataclass
class Evidence:
    iri: str
    id: str
    source: str  # source id (file stem)
    exact: str
    start: int
    end: int
    bodies: list[str] = field(default_factory=list)


@dataclass
class Category:
    iri: str
    id: str
    label: Label
    definition: str
    mechanisms: list[str] = field(default_factory=list)
    definitions: Label = field(default_factory=Label)


@dataclass
class Mechanism:
    """A concept below a category: a practice (broader = category) or a programme (broader = a practice)."""

    iri: str
    id: str
    label: Label
    definition: str
    category: str  # the top concept reached through skos:broader
    alt_labels: list[str] = field(default_factory=list)
    adoptions: list[str] = field(default_factory=list)
    broader: str = ""
    narrower: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    definitions: Label = field(default_factory=Label)
    scope_note: Label = field(default_factory=Label)
    excluded: bool = False


@dataclass
class Locality:
    iri: str
    id: str
    label: Label
    level: Label
    province: Label
    parent_city: Label | None
    sources: list[str] = field(default_factory=list)
    adoptions: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    adcode: str | None = None  # GB/T 2260 division code (zl:adminCode, from the cpca gazetteer: kg/gazetteer.py)
    lat: float | None = None  # WGS84 (geo:lat / geo:long) of the seat, from the same gazetteer
    lon: float | None = None


@dataclass
class Adoption:
    iri: str
    id: str
    locality: str
    mechanism: str
    local_name: str
    gloss: str
    details: Label
    related_terms: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    restated: bool = False
    sub_places: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)


@dataclass
class Figure:
    iri: str
    id: str
    locality: str
    adoption: str | None
    label: Label
    value: str | None
    min_value: str | None
    max_value: str | None
    unit: Label
    printed: str
    qualifier: str
    period: str | None = None
    evidence: list[str] = field(default_factory=list)
    printed_unit: str | None = None
    denominator: Label | None = None
    sub_places: list[str] = field(default_factory=list)


@dataclass
class Tier:
    iri: str
    id: str
    rank: int
    local_name: str
    label: Label
    org_type: Label
    counts: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


@dataclass
class TierChain:
    iri: str
    id: str
    locality: str
    label: Label
    local_name: str | None
    tiers: list[Tier] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    kind: Label | None = None


@dataclass
class Document:
    iri: str
    id: str
    title: str
    label: Label
    issued_by: list[tuple[str, Label]] = field(default_factory=list)
    cited_by: list[str] = field(default_factory=list)
    establishes: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


@dataclass
class Note:
    iri: str
    id: str
    issue: Label
    locality: str | None
    comment: str
    evidence: list[str] = field(default_factory=list)
    comment_zh: str = ""


@dataclass
class SubPlace:
    iri: str
    id: str
    label: Label
    kind: Label
    parent: str
    locality: str
    evidence: list[str] = field(default_factory=list)


@dataclass
class Article:
    iri: str
    id: str
    label: Label
    source: str
    start: int
    end: int
    headline: str
    byline: str | None
    locality: str
    author: Label | None
    role: Label | None
    evidence: list[str] = field(default_factory=list)


@dataclass
class Source:
    iri: str
    id: str
    identifier: str
    label: Label
    headlines: list[str]
    bylines: list[str]
    sha256: str
    covers: list[str]
    text: str
    evidence: list[str] = field(default_factory=list)


def _label(rows: list[dict], key: str = "label") -> Label:
    out = Label()
    for row in rows:
        value, lang = row.get(key), row.get(key + "Lang")
        if value and lang == "zh" and not out.zh:
            out.zh = value
        elif value and lang == "en" and not out.en:
            out.en = value
    return out


Q_LABELS = """
SELECT ?s ?label (LANG(?label) AS ?labelLang) WHERE {
  VALUES ?p { rdfs:label skos:prefLabel }
  ?s ?p ?label . FILTER(STRSTARTS(STR(?s), "https://w3id.org/zhili/"))
}"""
Q_CATEGORIES = "SELECT ?c ?def (LANG(?def) AS ?defLang) WHERE { ?c a zl:MechanismCategory . OPTIONAL { ?c skos:definition ?def } }"
Q_MECHANISMS = """
SELECT ?m ?broader ?def (LANG(?def) AS ?defLang) ?note (LANG(?note) AS ?noteLang) ?alt ?related ?excluded WHERE {
  ?m a zl:Mechanism ; skos:broader ?broader .
  OPTIONAL { ?m skos:definition ?def } OPTIONAL { ?m skos:scopeNote ?note } OPTIONAL { ?m skos:altLabel ?alt }
  OPTIONAL { ?m skos:related ?related } OPTIONAL { ?m zl:excludedFromComparison ?excluded } }"""
Q_SUBPLACES = """
SELECT ?p ?kind ?parent ?l WHERE { ?p a zl:SubPlace ; zl:placeKind ?kind ; zl:partOf ?parent ; zl:locality ?l }"""
Q_ARTICLES = """
SELECT ?a ?seed ?start ?end ?headline ?byline ?l ?author ?role (LANG(?role) AS ?roleLang) WHERE {
  ?a a zl:Article ; zl:inSource ?seed ; zl:startOffset ?start ; zl:endOffset ?end ; zl:headline ?headline ; zl:locality ?l .
  OPTIONAL { ?a zl:byline ?byline } OPTIONAL { ?a dcterms:creator ?author } OPTIONAL { ?a zl:authorRole ?role } }"""
Q_LOCALITIES = """
SELECT ?l ?level ?province ?parent ?seed ?code ?lat ?lon WHERE { ?l a zl:Locality ; zl:adminLevel ?level ; zl:province ?province .
  OPTIONAL { ?l zl:parentCity ?parent } OPTIONAL { ?l zl:describedIn ?seed } OPTIONAL { ?l zl:adminCode ?code }
  OPTIONAL { ?l <http://www.w3.org/2003/01/geo/wgs84_pos#lat> ?lat ; <http://www.w3.org/2003/01/geo/wgs84_pos#long> ?lon } }"""
Q_ADOPTIONS = """
SELECT ?a ?l ?m ?name ?gloss ?details (LANG(?details) AS ?detailsLang) ?related ?origin ?place ?part WHERE {
  ?a a zl:Adoption ; zl:locality ?l ; zl:mechanism ?m ; zl:localName ?name ; zl:gloss ?gloss .
  OPTIONAL { ?a zl:details ?details } OPTIONAL { ?a zl:relatedTerm ?related } OPTIONAL { ?a zl:origin ?origin }
  OPTIONAL { ?a zl:subPlace ?place } OPTIONAL { ?a zl:hasPart ?part } }"""
Q_FIGURES = """
SELECT ?f ?l ?a ?value ?min ?max ?unit (LANG(?unit) AS ?unitLang) ?printed ?q ?period ?printedUnit
       ?per (LANG(?per) AS ?perLang) ?place WHERE {
  ?f a zl:Figure ; zl:locality ?l ; zl:printedValue ?printed ; zl:qualifier ?q .
  OPTIONAL { ?f zl:adoption ?a } OPTIONAL { ?f schema:value ?value } OPTIONAL { ?f schema:minValue ?min ; schema:maxValue ?max }
  OPTIONAL { ?f schema:unitText ?unit } OPTIONAL { ?f zl:period ?period } OPTIONAL { ?f zl:printedUnit ?printedUnit }
  OPTIONAL { ?f zl:denominator ?per } OPTIONAL { ?f zl:subPlace ?place } }"""
Q_TIERS = """
SELECT ?c ?l ?chainName ?kind ?t ?rank ?tierName ?type ?count WHERE {
  ?c a zl:TierChain ; zl:locality ?l ; zl:hasTier ?t . OPTIONAL { ?c zl:localName ?chainName } OPTIONAL { ?c zl:chainKind ?kind }
  ?t zl:rank ?rank ; zl:localName ?tierName ; zl:orgType ?type . OPTIONAL { ?t zl:tierCount ?count } }"""
Q_DOCUMENTS = """
SELECT ?d ?title ?issuer ?cited ?est WHERE { ?d a zl:PolicyDocument ; dcterms:title ?title .
  OPTIONAL { ?d zl:issuedBy ?issuer } OPTIONAL { ?d zl:citedBy ?cited } OPTIONAL { ?d zl:establishes ?est } }"""
Q_NOTES = """
SELECT ?n ?issue ?l ?comment ?comment_zh WHERE { ?n a zl:LayoutNote ; zl:layoutIssue ?issue .
  OPTIONAL { ?n zl:locality ?l } OPTIONAL { ?n rdfs:comment ?comment FILTER(LANG(?comment) = 'en') }
  OPTIONAL { ?n rdfs:comment ?comment_zh FILTER(LANG(?comment_zh) = 'zh') } }"""
Q_EVIDENCE = """
SELECT ?ann ?body ?seed ?exact ?start ?end WHERE {
  ?ann a oa:Annotation ; oa:hasBody ?body ; oa:hasTarget ?t .
  ?t oa:hasSource ?seed ; oa:hasSelector ?q , ?p .
  ?q a oa:TextQuoteSelector ; oa:exact ?exact . ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end . }"""
Q_SOURCES = """
SELECT ?s ?id ?sha ?headline ?byline ?covers WHERE { ?s a zl:SourceDocument ; dcterms:identifier ?id ; zl:sha256 ?sha .
  OPTIONAL { ?s zl:headline ?headline } OPTIONAL { ?s zl:byline ?byline } OPTIONAL { ?s zl:covers ?covers } }"""


def _group(rows: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        out[row[key]].append(row)
    return out


def _uniq(values) -> list:
    return list(dict.fromkeys(v for v in values if v is not None))


class Catalog:
    """Every entity of the graph as Python objects, with indexes by id and IRI."""

    def __init__(self, repo: Repository):
        labels: dict[str, list[dict]] = _group(repo.select(Q_LABELS), "s")
        self.labels = {iri: _label(rows) for iri, rows in labels.items()}
        lab = lambda iri: self.labels.get(iri, Label(local_id(iri), local_id(iri)))  # noqa: E731

        self.evidence: dict[str, Evidence] = {}
        for iri, rows in _group(repo.select(Q_EVIDENCE), "ann").items():
            r = rows[0]
            self.evidence[iri] = Evidence(iri, local_id(iri), local_id(r["seed"]), r["exact"], int(r["start"]), int(r["end"]),
                                          sorted(_uniq(x["body"] for x in rows)))
        evidence_of: dict[str, list[str]] = defaultdict(list)
        for ev in sorted(self.evidence.values(), key=lambda e: (e.source, e.start)):
            for body in ev.bodies:
                evidence_of[body].append(ev.iri)

        self.categories: dict[str, Category] = {}
        for iri, rows in _group(repo.select(Q_CATEGORIES), "c").items():
            defs = _label(rows, "def")
            self.categories[iri] = Category(iri, local_id(iri), lab(iri), defs.en, definitions=defs)
        self.mechanisms: dict[str, Mechanism] = {}
        for iri, rows in _group(repo.select(Q_MECHANISMS), "m").items():
            defs = _label(rows, "def")
            self.mechanisms[iri] = Mechanism(iri, local_id(iri), lab(iri), defs.en, "", sorted(_uniq(r["alt"] for r in rows)),
                                             broader=rows[0]["broader"], related=sorted(_uniq(r["related"] for r in rows)),
                                             definitions=defs, scope_note=_label(rows, "note"),
                                             excluded=any(is_true(r["excluded"]) for r in rows))
        for m in self.mechanisms.values():
            m.category = self.scheme.category(m.iri)  # the top concept, through skos:broader
            if m.broader in self.mechanisms:
                self.mechanisms[m.broader].narrower.append(m.iri)
            if m.category in self.categories:
                self.categories[m.category].mechanisms.append(m.iri)

        self.localities: dict[str, Locality] = {}
        for iri, rows in _group(repo.select(Q_LOCALITIES), "l").items():
            r = rows[0]
            self.localities[iri] = Locality(iri, local_id(iri), lab(iri), lab(r["level"]), lab(r["province"]),
                                            lab(r["parent"]) if r["parent"] else None,
                                            [local_id(s) for s in _uniq(x["seed"] for x in rows)],
                                            evidence=evidence_of.get(iri, []), adcode=r["code"],
                                            lat=float(r["lat"]) if r["lat"] is not None else None,
                                            lon=float(r["lon"]) if r["lon"] is not None else None)

        self.adoptions: dict[str, Adoption] = {}
        for iri, rows in _group(repo.select(Q_ADOPTIONS), "a").items():
            r = rows[0]
            details = _label(rows, "details")
            self.adoptions[iri] = Adoption(iri, local_id(iri), r["l"], r["m"], r["name"], r["gloss"], details,
                                           sorted(_uniq(x["related"] for x in rows)), evidence=evidence_of.get(iri, []),
                                           restated=r["origin"] == RESTATED,
                                           sub_places=sorted(_uniq(x["place"] for x in rows)),
                                           parts=sorted(_uniq(x["part"] for x in rows)))
            self.localities[r["l"]].adoptions.append(iri)
            self.mechanisms[r["m"]].adoptions.append(iri)

        self.figures: dict[str, Figure] = {}
        for iri, rows in _group(repo.select(Q_FIGURES), "f").items():
            r = rows[0]
            per = _label(rows, "per")
            num = lambda v: None if v is None else str(v)  # noqa: E731 - integers and decimals as exact text
            self.figures[iri] = Figure(iri, local_id(iri), r["l"], r["a"], lab(iri), num(r["value"]), num(r["min"]), num(r["max"]),
                                       _label(rows, "unit"), r["printed"], r["q"].rsplit("#", 1)[-1], r["period"],
                                       evidence=evidence_of.get(iri, []), printed_unit=r["printedUnit"],
                                       denominator=per if (per.zh or per.en) else None,
                                       sub_places=sorted(_uniq(x["place"] for x in rows)))
            self.localities[r["l"]].figures.append(iri)
            if r["a"] in self.adoptions:
                self.adoptions[r["a"]].figures.append(iri)

        self.chains: dict[str, TierChain] = {}
        for iri, rows in _group(repo.select(Q_TIERS), "c").items():
            chain = TierChain(iri, local_id(iri), rows[0]["l"], lab(iri), rows[0]["chainName"], evidence=evidence_of.get(iri, []),
                              kind=lab(rows[0]["kind"]) if rows[0]["kind"] else None)
            for t_iri, t_rows in _group(rows, "t").items():
                t = t_rows[0]
                chain.tiers.append(Tier(t_iri, local_id(t_iri), int(t["rank"]), t["tierName"], lab(t_iri), lab(t["type"]),
                                        sorted(_uniq(x["count"] for x in t_rows)), evidence_of.get(t_iri, [])))
            chain.tiers.sort(key=lambda t: t.rank)
            self.chains[iri] = chain
            self.localities[chain.locality].chains.append(iri)

        self.documents: dict[str, Document] = {}
        for iri, rows in _group(repo.select(Q_DOCUMENTS), "d").items():
            doc = Document(iri, local_id(iri), rows[0]["title"], lab(iri),
                           [(i, lab(i)) for i in _uniq(r["issuer"] for r in rows)],
                           _uniq(r["cited"] for r in rows), _uniq(r["est"] for r in rows), evidence_of.get(iri, []))
            self.documents[iri] = doc
            for loc in doc.cited_by:
                if loc in self.localities:
                    self.localities[loc].documents.append(iri)

        self.sub_places: dict[str, SubPlace] = {}
        for r in repo.select(Q_SUBPLACES):
            self.sub_places[r["p"]] = SubPlace(r["p"], local_id(r["p"]), lab(r["p"]), lab(r["kind"]), r["parent"], r["l"],
                                               evidence_of.get(r["p"], []))
        self.articles: dict[str, Article] = {}
        for iri, rows in _group(repo.select(Q_ARTICLES), "a").items():
            r = rows[0]
            role = _label(rows, "role")
            self.articles[iri] = Article(iri, local_id(iri), lab(iri), local_id(r["seed"]), int(r["start"]), int(r["end"]),
                                         r["headline"], r["byline"], r["l"], lab(r["author"]) if r["author"] else None,
                                         role if (role.zh or role.en) else None, evidence_of.get(iri, []))

        self.notes: dict[str, Note] = {}
        for iri, rows in _group(repo.select(Q_NOTES), "n").items():
            r = rows[0]
            self.notes[iri] = Note(iri, local_id(iri), lab(r["issue"]), r["l"], r["comment"] or "", evidence_of.get(iri, []),
                                   r.get("comment_zh") or "")
            if r["l"] in self.localities:
                self.localities[r["l"]].notes.append(iri)

        texts = {s.iri: s.text for s in load_seeds()}
        self.sources: dict[str, Source] = {}
        for iri, rows in _group(repo.select(Q_SOURCES), "s").items():
            r = rows[0]
            self.sources[iri] = Source(iri, local_id(iri), r["id"], lab(iri), _uniq(x["headline"] for x in rows),
                                       _uniq(x["byline"] for x in rows), r["sha"], _uniq(x["covers"] for x in rows),
                                       texts.get(iri, ""))
        for ev in self.evidence.values():
            src = self.sources.get(ID + "source/" + ev.source)
            if src:
                src.evidence.append(ev.iri)
        for src in self.sources.values():
            src.evidence.sort(key=lambda e: (self.evidence[e].start, self.evidence[e].end))

        # One order whatever order the store returned rows in (embedded and remote stores differ).
        for loc in self.localities.values():
            for members in (loc.adoptions, loc.figures, loc.chains, loc.documents, loc.notes, loc.sources):
                members.sort()
        for a in self.adoptions.values():
            a.figures.sort()
        for m in self.mechanisms.values():
            m.adoptions.sort()
            m.narrower.sort()
        for c in self.categories.values():
            c.mechanisms.sort()
        for d in self.documents.values():
            d.issued_by.sort(key=lambda pair: pair[0])
            d.cited_by.sort()
            d.establishes.sort()
        self.locality_by_name: dict[str, list[str]] = {}  # lower-cased id, zh and en name -> IRIs
        for l in self.localities.values():
            for name in {l.id.lower(), l.label.zh.lower(), l.label.en.lower()}:
                self.locality_by_name.setdefault(name, []).append(l.iri)
        self.by_id = {
            "locality": {l.id: l for l in self.localities.values()},
            "mechanism": {m.id: m for m in self.mechanisms.values()} | {c.id: c for c in self.categories.values()},
            "document": {d.id: d for d in self.documents.values()},
            "source": {s.id: s for s in self.sources.values()},
        }

    def label(self, iri: str | None) -> Label:
        if not iri:
            return Label()
        iri = str(iri)  # an rdflib URIRef hashes apart from the plain str keys of the label index
        if iri in self.adoptions:
            return Label(self.adoptions[iri].local_name, self.adoptions[iri].gloss)
        return self.labels.get(iri, Label(local_id(iri), local_id(iri)))

    def headline(self, source_id: str, start: int | None = None) -> str:
        """What a source is called for a reader: the headline of the article holding offset `start` (else
        the source's first headline); the source id only when the manifest names no headline at all."""
        source = self.by_id["source"].get(source_id)
        if source is None:
            return source_id
        article = self.article_of(source_id, start)
        if article is not None:
            return article.headline
        return source.headlines[0] if source.headlines else source_id

    def article_of(self, source_id: str, start: int | None, locality: str | None = None) -> Article | None:
        """The article a span belongs to: in its file, the one about `locality` if exactly one is (file 002
        prints part of one article inside another), else the one whose range holds offset `start`."""
        articles = [a for a in self.articles.values() if a.source == source_id]
        same = [a for a in articles if locality and a.locality == locality]
        if len(same) == 1:
            return same[0]
        inside = [a for a in articles if start is not None and a.start <= start < a.end]
        return inside[0] if len(inside) == 1 else None

    def entity(self, iri: str) -> Any:
        for table in (self.localities, self.mechanisms, self.categories, self.adoptions, self.figures, self.chains,
                      self.documents, self.notes, self.sources, self.evidence, self.sub_places, self.articles):
            if iri in table:
                return table[iri]
        return None

    def citation(self, iri: str, lang: str = "en", checksum: str | None = None) -> str:
        """The plain-text citation of iri for the pages' cite control (api/citation.py); "" if not citable."""
        from .citation import plain_text

        return plain_text(self, iri if iri.startswith("http") else ID + iri, lang, checksum)

    def kind(self, iri: str) -> str:
        return iri[len(ID):].split("/", 1)[0] if iri.startswith(ID) else "resource"

    @cached_property
    def scheme(self):
        """The concept scheme as kg.comparison sees it."""
        from kg.comparison import Concept, Scheme

        concepts = {c.iri: Concept(c.iri, c.label.zh, c.label.en, None) for c in self.categories.values()}
        concepts.update({m.iri: Concept(m.iri, m.label.zh, m.label.en, m.broader, m.excluded) for m in self.mechanisms.values()})
        return Scheme(concepts)

    @cached_property
    def uses(self):
        from kg.comparison import Use

        return [Use(a.locality, a.iri, a.mechanism, a.local_name, a.restated) for a in self.adoptions.values()]
