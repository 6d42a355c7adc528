"""Pydantic response models of the REST API (they are the OpenAPI schema at /docs)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LabelModel(BaseModel):
    zh: str = Field(description="Chinese label")
    en: str = Field(description="English label")


class EvidenceModel(BaseModel):
    id: str
    iri: str
    source: str = Field(description="source id (seed file name without .txt)")
    exact: str = Field(description="verbatim quote")
    start: int = Field(description="start offset in Unicode code points")
    end: int
    reader: str = Field(description="link to the highlighted span in the source reader")
    headline: str = Field("", description="headline of the article the span lies in (as printed, zh)")


class Ref(BaseModel):
    id: str
    iri: str
    label: LabelModel


class FigureModel(BaseModel):
    id: str
    iri: str
    label: LabelModel = Field(description="what is counted")
    value: float | None = None
    value_text: str | None = Field(None, description="exact decimal value as a string")
    min_value: str | None = None
    max_value: str | None = None
    unit: LabelModel
    printed: str = Field(description="the number as printed")
    qualifier: str = Field(description="Exactly, Approximately, MoreThan, AtLeast or AtMost (zl: terms)")
    qualifier_label: LabelModel = Field(description="the qualifier in words, zh and en")
    period: str | None = None
    adoption: str | None = None
    printed_unit: str | None = Field(None, description="the unit as printed when value and unit are normalised (万元 → yuan)")
    denominator: LabelModel | None = Field(None, description="what a ratio is per (per grid, per 10,000 residents)")
    sub_places: list[Ref] = Field(default_factory=list, description="the districts, streets, communities… the text attributes it to")
    evidence: list[EvidenceModel]


class AdoptionModel(BaseModel):
    id: str
    iri: str
    locality: Ref
    mechanism: Ref
    category: Ref
    local_name: str
    gloss: str
    details: LabelModel
    related_terms: list[str]
    origin: str = Field(description="LocalMechanism, or RestatedPolicy where the text repeats a central or provincial formula")
    sub_places: list[Ref] = Field(default_factory=list, description="the districts, streets, communities… the text attributes it to")
    parts: list[Ref] = Field(default_factory=list, description="for a named formula: the adoptions of its parts")
    figures: list[FigureModel]
    evidence: list[EvidenceModel]


class CategoryGroup(BaseModel):
    category: Ref
    adoptions: list[AdoptionModel]


class TierModel(BaseModel):
    rank: int
    local_name: str
    label: LabelModel
    org_type: LabelModel
    counts: list[FigureModel]
    evidence: list[EvidenceModel]


class TierChainModel(BaseModel):
    id: str
    iri: str
    label: LabelModel
    kind: LabelModel | None = Field(None, description="what the chain orders: organisations, grids, a career, responsibilities…")
    local_name: str | None
    tiers: list[TierModel]
    evidence: list[EvidenceModel]


class DocumentSummary(BaseModel):
    id: str
    iri: str
    title: str
    label: LabelModel
    issued_by: list[Ref]
    cited_by: list[Ref]
    establishes: list[Ref]


class DocumentModel(DocumentSummary):
    evidence: list[EvidenceModel]


class NoteModel(BaseModel):
    id: str
    iri: str
    issue: LabelModel
    locality: Ref | None
    comment: str
    comments: LabelModel | None = Field(None, description="the note in zh and en (comment is the en one)")
    evidence: list[EvidenceModel]


class LocalitySummary(BaseModel):
    id: str
    iri: str
    label: LabelModel
    level: LabelModel
    province: LabelModel
    parent_city: LabelModel | None
    adoption_count: int
    mechanism_count: int
    figure_count: int
    adcode: str | None = Field(None, description="GB/T 2260 division code (6 digits), from the cpca gazetteer")
    lat: float | None = Field(None, description="WGS84 latitude of the seat (geo:lat), from the cpca gazetteer")
    lon: float | None = Field(None, description="WGS84 longitude of the seat (geo:long), from the cpca gazetteer")


class ArticleModel(BaseModel):
    id: str
    iri: str
    source: str
    start: int
    end: int
    headline: str
    byline: str | None
    author: LabelModel | None
    author_role: LabelModel | None
    evidence: list[EvidenceModel]


class SubPlaceModel(BaseModel):
    id: str
    iri: str
    label: LabelModel
    kind: LabelModel
    part_of: Ref
    evidence: list[EvidenceModel]


class LocalityModel(LocalitySummary):
    sources: list[str]
    articles: list[ArticleModel]
    sub_places: list[SubPlaceModel]
    mechanisms_by_category: list[CategoryGroup]
    figures: list[FigureModel]
    tier_chains: list[TierChainModel]
    documents: list[DocumentSummary]
    layout_notes: list[NoteModel]


class MechanismSummary(BaseModel):
    id: str
    iri: str
    label: LabelModel
    category: Ref
    parent: str = Field(description="id of the broader concept: the category for a practice, the practice for a programme")
    level: str = Field(description="practice or programme")
    alt_labels: list[str]
    localities: int = Field(description="how many localities adopt it or a narrower concept")


class AdopterModel(BaseModel):
    locality: Ref
    local_name: str
    gloss: str
    adoption: str
    mechanism: Ref = Field(description="the concept the adoption is filed under: this one or a narrower one")
    restated: bool = Field(description="the adoption only restates a higher level's formula")
    details: LabelModel
    evidence: list[EvidenceModel]


class MechanismModel(MechanismSummary):
    definition: str
    definitions: LabelModel
    scope_note: LabelModel | None = None
    broader: Ref
    narrower: list[Ref]
    related: list[Ref]
    excluded_from_comparison: bool
    adopters: list[AdopterModel]
    documents: list[Ref]


class ComparableFigure(BaseModel):
    measure: str = Field(description="English label of what is counted, shared by the localities")
    unit: str
    values: dict[str, list[FigureModel]]


class SimilarityModel(BaseModel):
    a: str
    b: str
    level: str = Field(description="'concept' (the concepts adopted) or 'practice' (each mapped to its practice)")
    jaccard: float
    shared: int
    union: int


class ComparedConcept(BaseModel):
    concept: Ref
    category: Ref
    practice: Ref
    level: str = Field(description="practice or programme")
    localities: list[str] = Field(description="ids of the chosen localities that adopt it")
    local_names: dict[str, list[str]] = Field(description="locality id -> local names as printed")


class ConceptNames(BaseModel):
    concept: Ref
    local_names: list[str]


class PracticeVariants(BaseModel):
    practice: Ref
    category: Ref
    localities: list[str]
    concepts: dict[str, list[ConceptNames]] = Field(description="locality id -> the concepts under the practice it adopts")


class UniqueConcept(BaseModel):
    concept: Ref
    local_names: list[str]
    practice_shared_with: list[str] = Field(description="other chosen localities with another concept of the same practice")


class LeftOut(BaseModel):
    locality: str
    adoption: str
    local_name: str
    concept: Ref


class CompareModel(BaseModel):
    localities: list[Ref]
    include_restated: bool = Field(description="whether restated central or provincial formulas were counted")
    same_concept: list[ComparedConcept] = Field(description="concepts adopted by every chosen locality")
    shared_by_some: list[ComparedConcept] = Field(description="concepts adopted by k of the n chosen localities, 1 < k < n")
    same_practice_different_programmes: list[PracticeVariants]
    unique: dict[str, list[UniqueConcept]]
    comparable_figures: list[ComparableFigure]
    similarity: list[SimilarityModel]
    left_out_restated: list[LeftOut]
    not_compared_formulas: list[LeftOut]


class SearchHit(BaseModel):
    kind: str
    id: str
    iri: str
    label: LabelModel
    matched: str
    score: float
    url: str


class SearchModel(BaseModel):
    query: str
    total: int
    hits: list[SearchHit]


class SourceSummary(BaseModel):
    id: str
    iri: str
    identifier: str
    label: LabelModel
    headlines: list[str]
    bylines: list[str]
    sha256: str
    covers: list[Ref]
    characters: int
    evidence_spans: int


class SpanModel(BaseModel):
    evidence: EvidenceModel
    supports: list[Ref]


class SourceModel(SourceSummary):
    text: str
    spans: list[SpanModel]


class StatsModel(BaseModel):
    totals: dict[str, int]
    localities: dict[str, dict[str, int | str]]
    checksum: str = Field(description="SHA-256 of the served dataset (canonical N-Quads)")
    store: str


class ErrorModel(BaseModel):
    detail: str
