"""HTML pages: home (locality × category matrix), locality, mechanism, compare, document, source reader."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from kg.comparison import presence

from .. import views

router = APIRouter(include_in_schema=False)


def _get(request: Request, kind: str, entity_id: str):
    try:
        return views.get(request.app.state.service.catalog, kind, entity_id)
    except views.NotFound as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    cat = request.app.state.service.catalog
    categories = sorted(cat.categories.values(), key=lambda c: c.label.en)
    localities = sorted(cat.localities.values(), key=lambda l: l.id)
    # Presence, not volume: distinct local concepts per category, so the heatmap measures the
    # locality rather than how finely its article happened to be curated.
    matrix = presence(cat.scheme, cat.uses)
    peak = max(matrix.values(), default=1)
    stats = request.app.state.service.extra["stats"]["totals"]
    return request.app.state.pages.render(request, "home.html", categories=categories, localities=localities,
                                          matrix=matrix, peak=peak, stats=stats)


@router.get("/localities", response_class=HTMLResponse)
def localities(request: Request):
    cat = request.app.state.service.catalog
    items = [views.locality_summary(cat, l) for l in sorted(cat.localities.values(), key=lambda l: l.id)]
    return request.app.state.pages.render(request, "localities.html", items=items)


@router.get("/localities/{locality_id}", response_class=HTMLResponse)
def locality(locality_id: str, request: Request):
    cat = request.app.state.service.catalog
    model = views.locality(cat, _get(request, "locality", locality_id))
    return request.app.state.pages.render(request, "locality.html", loc=model)


@router.get("/mechanisms", response_class=HTMLResponse)
def mechanisms(request: Request):
    cat = request.app.state.service.catalog
    groups = []
    for c in sorted(cat.categories.values(), key=lambda c: c.label.en):
        groups.append((c, [views.mechanism_summary(cat, cat.mechanisms[m]) for m in
                           sorted(c.mechanisms, key=lambda m: cat.mechanisms[m].label.en)]))
    return request.app.state.pages.render(request, "mechanisms.html", groups=groups)


@router.get("/mechanisms/{mechanism_id}", response_class=HTMLResponse)
def mechanism(mechanism_id: str, request: Request):
    cat = request.app.state.service.catalog
    entity = _get(request, "mechanism", mechanism_id)
    if entity.iri in cat.categories:
        return RedirectResponse(f"/mechanisms#{entity.id}", status_code=303)
    return request.app.state.pages.render(request, "mechanism.html", m=views.mechanism(cat, entity))


@router.get("/compare", response_class=HTMLResponse)
def compare(request: Request, localities: list[str] = Query(default=[]), include_restated: bool = Query(False)):
    cat = request.app.state.service.catalog
    names = [n.strip() for item in localities for n in item.split(",") if n.strip()]
    result, error = None, None
    unknown = [n for n in names if len(cat.locality_by_name.get(n.lower(), [])) != 1]
    if unknown:
        error = ("unknown_locality", {"name": unknown[0][:80]})
    elif names:
        iris = views.resolve_localities(cat, names)
        if len(iris) >= 2:
            result = views.compare(cat, iris, include_restated)
        else:
            error = ("pick_two", {})
    all_locs = sorted(cat.localities.values(), key=lambda l: l.id)
    selected = {l.id for l in all_locs if l.id in names or l.label.zh in names or l.label.en in names}
    return request.app.state.pages.render(request, "compare.html", result=result, error=error, all_locs=all_locs,
                                          selected=selected, include_restated=include_restated,
                                          status=422 if error else 200)


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document(document_id: str, request: Request):
    cat = request.app.state.service.catalog
    return request.app.state.pages.render(request, "document.html", d=views.document(cat, _get(request, "document", document_id)))


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request):
    cat = request.app.state.service.catalog
    items = [views.source_summary(cat, s) for s in sorted(cat.sources.values(), key=lambda s: s.id)]
    return request.app.state.pages.render(request, "sources.html", items=items)


def segments(text: str, spans: list) -> list[dict]:
    """Split text at every span boundary; each piece lists the evidence ids covering it."""
    cuts = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    starts: dict[int, list[str]] = {}
    for s in spans:
        starts.setdefault(s.start, []).append(s.id)
    pieces = []
    for lo, hi in zip(cuts, cuts[1:]):
        covering = [s.id for s in spans if s.start <= lo and hi <= s.end]
        pieces.append({"text": text[lo:hi], "ids": covering, "anchors": starts.get(lo, [])})
    return pieces


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source(source_id: str, request: Request):
    cat = request.app.state.service.catalog
    model = views.source(cat, _get(request, "source", source_id))
    spans = [span.evidence for span in model.spans]
    return request.app.state.pages.render(request, "source.html", s=model, pieces=segments(model.text, spans))
