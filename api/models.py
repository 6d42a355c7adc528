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
    qualifier: str
    period: str | None = None
    adoption: str | None = None
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


class LocalityModel(LocalitySummary):
    sources: list[str]
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
    alt_labels: list[str]
    localities: int = Field(description="how many localities adopt it")


class AdopterModel(BaseModel):
    locality: Ref
    local_name: str
    gloss: str
    adoption: str
    details: LabelModel
    evidence: list[EvidenceModel]


class MechanismModel(MechanismSummary):
    definition: str
    adopters: list[AdopterModel]
    documents: list[Ref]


class SharedMechanism(BaseModel):
    mechanism: Ref
    category: Ref
    variants: dict[str, list[str]] = Field(description="locality id -> local names as printed")


class ComparableFigure(BaseModel):
    measure: str = Field(description="English label of what is counted, shared by the localities")
    unit: str
    values: dict[str, list[FigureModel]]


class SimilarityModel(BaseModel):
    a: str
    b: str
    jaccard: float
    shared: int


class CompareModel(BaseModel):
    localities: list[Ref]
    shared: list[SharedMechanism]
    unique: dict[str, list[Ref]]
    partially_shared: list[SharedMechanism]
    comparable_figures: list[ComparableFigure]
    similarity: list[SimilarityModel]


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
