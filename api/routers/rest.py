"""The REST/JSON API under /api (JSON-LD for entities on Accept: application/ld+json)."""

from __future__ import annotations


from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from kg.export import FORMATS, export as export_dataset

from .. import views
from ..linked import context_link, describe, to_jsonld
from ..models import (CompareModel, ErrorModel, LocalityModel, LocalitySummary, MechanismModel, MechanismSummary,
                      SearchModel, SourceModel, SourceSummary, StatsModel)
from ..echo import echo
from ..negotiate import choose

router = APIRouter(prefix="/api", tags=["REST API"])
NOT_FOUND = {404: {"model": ErrorModel, "description": "unknown id"}}
BAD = {422: {"model": ErrorModel, "description": "bad parameters"}}


def _cat(request: Request):
    return request.app.state.service.catalog


def _cached(request: Request, key: tuple, build) -> Response:
    """The view's JSON, built once per distinct request (the catalog is immutable)."""
    body = request.app.state.service.responses.json(key, build)
    return Response(body, media_type="application/json")


def _lookup(request: Request, kind: str, entity_id: str):
    try:
        return views.get(_cat(request), kind, entity_id)
    except views.NotFound as exc:
        raise HTTPException(404, str(exc)) from None


def _wants_jsonld(request: Request) -> bool:
    return choose(request.headers.get("accept"), ["application/json", "application/ld+json"]) == "application/ld+json" \
        and "ld+json" in (request.headers.get("accept") or "")


async def _jsonld(request: Request, iri: str) -> Response:
    repo = request.app.state.service.repo
    triples = await request.app.state.service.in_store_thread(describe, repo, iri)
    return Response(to_jsonld(triples), media_type="application/ld+json",
                    headers={"Link": context_link(request.app.state.service.settings.public_url)})


@router.get("/localities", response_model=list[LocalitySummary], summary="All localities")
def list_localities(request: Request):
    cat = _cat(request)
    return _cached(request, ("localities",), lambda: [views.locality_summary(cat, l)
                                                      for l in sorted(cat.localities.values(), key=lambda l: l.id)])


@router.get("/localities/{locality_id}", response_model=LocalityModel, responses=NOT_FOUND,
            summary="One locality: mechanisms by category, figures, tier chains, documents, sources")
async def get_locality(locality_id: str, request: Request):
    loc = _lookup(request, "locality", locality_id)
    if _wants_jsonld(request):
        return await _jsonld(request, loc.iri)
    return _cached(request, ("locality", loc.iri), lambda: views.locality(_cat(request), loc))


@router.get("/mechanisms", response_model=list[MechanismSummary], summary="All mechanism concepts with category and spread")
def list_mechanisms(request: Request, category: str | None = Query(None, description="category id, e.g. category-grid")):
    cat = _cat(request)
    if category is not None:
        known = {c.id for c in cat.categories.values()}
        if category not in known:
            raise HTTPException(422, f"unknown category {echo(category)}; known: {', '.join(sorted(known))}")

    def build():
        items = sorted(cat.mechanisms.values(), key=lambda m: (cat.label(m.category).en, m.label.en))
        if category is not None:
            items = [m for m in items if cat.categories[m.category].id == category]
        return [views.mechanism_summary(cat, m) for m in items]

    return _cached(request, ("mechanisms", category), build)


@router.get("/mechanisms/{mechanism_id}", response_model=MechanismModel, responses=NOT_FOUND,
            summary="One mechanism: definition, adopting localities with local variants and evidence")
async def get_mechanism(mechanism_id: str, request: Request):
    m = _lookup(request, "mechanism", mechanism_id)
    if m.iri not in _cat(request).mechanisms:
        raise HTTPException(404, f"{echo(mechanism_id)} is a category, not a mechanism; see /api/mechanisms?category={mechanism_id}")
    if _wants_jsonld(request):
        return await _jsonld(request, m.iri)
    return _cached(request, ("mechanism", m.iri), lambda: views.mechanism(_cat(request), m))


@router.get("/compare", response_model=CompareModel, responses={**NOT_FOUND, **BAD},
            summary="Any number of localities side by side: same concept, shared by k of n, same practice with "
                    "different programmes, unique, similarity at concept and practice level")
def compare(request: Request, localities: str = Query(..., max_length=2000,
                                                     description="comma-separated ids or zh/en names, at least two"),
            include_restated: bool = Query(False, description="count adoptions that only restate a central or "
                                                              "provincial formula (left out by default)")):
    names = [n for n in (p.strip() for p in localities.split(",")) if n]
    if len(names) < 2:
        raise HTTPException(422, "give at least two localities, comma-separated, e.g. localities=jinchang,lanzhou")
    try:
        iris = views.resolve_localities(_cat(request), names)
    except views.NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    if len(iris) < 2:
        raise HTTPException(422, "the names given resolve to fewer than two different localities")
    return _cached(request, ("compare", tuple(iris), include_restated),
                   lambda: views.compare(_cat(request), iris, include_restated))


@router.get("/search", response_model=SearchModel, responses=BAD, summary="Search zh or en labels and text")
def search(request: Request, q: str = Query(..., min_length=1, max_length=200, description="zh or en text"),
           limit: int = Query(50, ge=1, le=500)):
    if not q.strip():
        raise HTTPException(422, "the search text is empty")

    def build():
        hits, total = request.app.state.service.search.search(q, limit)
        return SearchModel(query=q, total=total, hits=hits)

    return _cached(request, ("search", q, limit), build)


@router.get("/sources", response_model=list[SourceSummary], summary="The seed documents")
def list_sources(request: Request):
    cat = _cat(request)
    return _cached(request, ("sources",), lambda: [views.source_summary(cat, s)
                                                   for s in sorted(cat.sources.values(), key=lambda s: s.id)])


@router.get("/sources/{source_id}", response_model=SourceModel, responses=NOT_FOUND,
            summary="One source: metadata, full text and the evidence spans in it")
def get_source(source_id: str, request: Request):
    s = _lookup(request, "source", source_id)
    return _cached(request, ("source", s.iri), lambda: views.source(_cat(request), s))


@router.get("/documents/{document_id}", responses=NOT_FOUND, summary="One policy document")
async def get_document(document_id: str, request: Request):
    d = _lookup(request, "document", document_id)
    if _wants_jsonld(request):
        return await _jsonld(request, d.iri)
    return _cached(request, ("document", d.iri), lambda: views.document(_cat(request), d))


@router.get("/labels", summary="zh/en labels of every labelled IRI (used by the query page)")
def labels(request: Request) -> dict[str, dict[str, str]]:
    cat = _cat(request)

    def build():
        out = {iri: {"zh": l.zh, "en": l.en} for iri, l in cat.labels.items()}
        out.update({a.iri: {"zh": a.local_name, "en": a.gloss} for a in cat.adoptions.values()})
        return out

    return _cached(request, ("labels",), build)


@router.get("/stats", response_model=StatsModel, summary="Counts and the checksum of the served dataset")
def stats(request: Request):
    service = request.app.state.service
    return StatsModel(**service.extra["stats"], checksum=service.checksum, store=service.repo.kind)


def _export(repo, fmt: str) -> bytes:
    """Export what the store holds (a remote store is copied into a local one first)."""
    import pyoxigraph as ox

    store = getattr(repo, "store", None)
    if store is None:
        store = ox.Store()
        store.extend(repo.quads())
    return export_dataset(fmt, store)


_EXPORT_TYPES = {"turtle": "text/turtle", "nquads": "application/n-quads", "jsonld": "application/ld+json",
                 "csv": "text/csv; charset=utf-8"}


@router.get("/export", summary="The whole dataset (Turtle, N-Quads, JSON-LD, CSV of adoptions)", responses=BAD)
async def export(request: Request, format: str = Query("turtle", description="turtle | nquads | jsonld | csv")):
    if format not in FORMATS:
        raise HTTPException(422, f"unknown format {echo(format)}; choose one of {', '.join(FORMATS)}")
    service = request.app.state.service
    cache = service.extra.setdefault("exports", {})
    if format == "csv":  # the adoptions table, as /api/export/adoptions.csv
        return await export_table("adoptions", request)
    if format not in cache:
        cache[format] = await service.in_store_thread(_export, service.repo, format)
    suffix = {"turtle": "ttl", "nquads": "nq", "jsonld": "jsonld", "csv": "csv"}[format]
    return Response(cache[format], media_type=_EXPORT_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="zhili.{suffix}"'})


async def _table_files(request: Request) -> dict[str, bytes]:
    """Every CSV table and datapackage.json of the served release, built once per release."""
    from kg.export import table_files

    service = request.app.state.service
    cache = service.extra.setdefault("exports", {})
    if "tables" not in cache:
        cache["tables"] = await service.in_store_thread(table_files, service.catalog, service.repo, service.checksum,
                                                        service.settings.public_url)
    return cache["tables"]


@router.get("/export/tables.zip", summary="Every CSV table and the data dictionary (datapackage.json) in one zip",
            response_class=Response, responses={200: {"description": "a zip archive",
                                                      "content": {"application/zip": {"schema": {"type": "string"}}}}})
async def export_tables_zip(request: Request):
    from kg.export import tables_zip

    service = request.app.state.service
    cache = service.extra.setdefault("exports", {})
    if "tables.zip" not in cache:
        cache["tables.zip"] = tables_zip(await _table_files(request))
    return Response(cache["tables.zip"], media_type="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="zhili-tables.zip"'})


@router.get("/export/datapackage.json", summary="The data dictionary of the CSV tables (Frictionless Data Package)")
async def export_datapackage(request: Request):
    return Response((await _table_files(request))["datapackage.json"], media_type="application/json")


@router.get("/export/{table}.csv", summary="One tidy CSV table: adoptions, figures, tiers, "
            "documents, subplaces, localities or evidence (UTF-8 with BOM, described in datapackage.json)",
            response_class=Response, responses={**NOT_FOUND, 200: {
                "description": "the table", "content": {"text/csv": {"schema": {"type": "string"}}}}})
async def export_table(table: str, request: Request):
    from kg.export import TABLE_NAMES

    if table not in TABLE_NAMES:
        raise HTTPException(404, f"no table {echo(table)}; tables: {', '.join(TABLE_NAMES)}")
    return Response((await _table_files(request))[f"{table}.csv"], media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="zhili-{table}.csv"'})
