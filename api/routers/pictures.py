"""Two pictures of the whole graph: a map of who adopts a concept (/map) and a locality × concept matrix
(/matrix, /matrix.csv).

"Adopts" is the comparison's notion (kg.comparison): adoptions that only restate a higher level's
formula, and concepts marked zl:excludedFromComparison, are left out unless `include_restated` is
asked (the compare page's switch); a practice or a category is adopted where any concept below it
is, the way the home heatmap and the mechanism pages count. Both pages are drawn from the catalog
once per request; the map's data travels in a JSON block (the page CSP forbids inline scripts).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from kg.comparison import counted, presence
from kg.gazetteer import PACKAGE, version

from ..catalog import Catalog, local_id

router = APIRouter(include_in_schema=False)

SEPARATOR = " | "
SORTS = ("tree", "spread", "name")


@dataclass
class Row:
    """One concept (category, practice or programme) and, per locality, the adoptions that make it adopted."""

    iri: str
    id: str
    category: str
    level: str
    depth: int
    by_locality: dict[str, list[str]] = field(default_factory=dict)  # locality IRI -> adoption IRIs

    @property
    def spread(self) -> int:
        return len(self.by_locality)


def adoption_index(cat: Catalog, include_restated: bool = False) -> dict[str, dict[str, list[str]]]:
    """concept IRI -> locality IRI -> adoption IRIs, every adoption counted for its concept and all above it."""
    scheme = cat.scheme
    out: dict[str, dict[str, list[str]]] = {}
    for use in sorted(counted(scheme, cat.uses, include_restated), key=lambda u: u.adoption):
        for concept in scheme.chain(use.concept):
            out.setdefault(concept, {}).setdefault(use.locality, []).append(use.adoption)
    return out


def concept_rows(cat: Catalog, include_restated: bool = False) -> list[Row]:
    """Every category followed by its concepts depth-first (English label order), excluded formulas left out."""
    index = adoption_index(cat, include_restated)
    rows: list[Row] = []

    def visit(iri: str, category: str, depth: int) -> None:
        m = cat.mechanisms.get(iri)
        if m is not None and m.excluded:
            return
        level = "category" if depth == 0 else "practice" if depth == 1 else "programme"
        rows.append(Row(iri, local_id(iri), category, level, depth, index.get(iri, {})))
        children = cat.categories[iri].mechanisms if depth == 0 else m.narrower
        if depth == 0:
            children = [c for c in children if cat.mechanisms[c].broader == iri]
        for child in sorted(children, key=lambda c: (cat.label(c).en.lower(), c)):
            visit(child, category, depth + 1)

    for c in sorted(cat.categories.values(), key=lambda c: (c.label.en.lower(), c.iri)):
        visit(c.iri, c.iri, 0)
    return rows


def localities(cat: Catalog) -> list:
    return sorted(cat.localities.values(), key=lambda l: l.id)


def evidence_href(cat: Catalog, locality: str, adoptions: list[str]) -> str:
    """Where a mark leads: the first adoption on its locality's page (its evidence quotes sit there)."""
    return f"/localities/{local_id(locality)}#{local_id(adoptions[0])}" if adoptions else f"/localities/{local_id(locality)}"


def names_of(cat: Catalog, adoptions: list[str]) -> list[str]:
    return sorted({cat.adoptions[a].local_name for a in adoptions})


def category_of(cat: Catalog, category_id: str | None):
    if not category_id:
        return None
    found = cat.by_id["mechanism"].get(category_id)
    if found is None or found.iri not in cat.categories:
        known = ", ".join(sorted(c.id for c in cat.categories.values()))
        raise HTTPException(404, f"unknown category {category_id[:80]!r}; categories: {known}")
    return found


def _lang(request: Request) -> str:
    return request.app.state.pages.lang(request)


@router.get("/matrix", response_class=HTMLResponse)
def matrix(request: Request, category: str | None = Query(None, max_length=200),
           sort: str = Query("tree", pattern="^(tree|spread|name)$"), include_restated: bool = Query(False)):
    cat = request.app.state.service.catalog
    lang = _lang(request)
    chosen = category_of(cat, category)
    rows = concept_rows(cat, include_restated)
    groups = []
    for c in sorted(cat.categories.values(), key=lambda c: (c.label.en.lower(), c.iri)):
        members = [r for r in rows if r.category == c.iri and r.level != "category"]
        if sort == "spread":
            members.sort(key=lambda r: (-r.spread, cat.label(r.iri).get(lang)))
        elif sort == "name":
            members.sort(key=lambda r: cat.label(r.iri).get(lang))
        head = next(r for r in rows if r.iri == c.iri)
        groups.append({"category": c, "head": head, "rows": members, "hidden": chosen is not None and chosen.iri != c.iri})
    marks = {(r.iri, l): {"href": evidence_href(cat, l, a), "names": names_of(cat, a)}
             for r in rows for l, a in r.by_locality.items()}
    # a category's cell shows how many of its concepts the locality adopts: the home heatmap's number
    counts = presence(cat.scheme, cat.uses, include_restated)
    return request.app.state.pages.render(
        request, "matrix.html", groups=groups, localities=localities(cat), marks=marks, sort=sort, counts=counts,
        chosen=chosen, include_restated=include_restated, categories=[g["category"] for g in groups])


@router.get("/matrix.csv")
def matrix_csv(request: Request, category: str | None = Query(None, max_length=200), include_restated: bool = Query(False)):
    """The matrix as CSV: one row per concept, each category first (its concept_id equals its category), then
    its practices and programmes depth-first; categories and practices count the concepts below them."""
    cat = request.app.state.service.catalog
    chosen = category_of(cat, category)
    locs = localities(cat)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["category", "concept_id", "concept_label_zh", "concept_label_en", "spread"] + [l.id for l in locs])
    for r in concept_rows(cat, include_restated):
        if chosen is not None and r.category != chosen.iri:
            continue
        label = cat.label(r.iri)
        writer.writerow([local_id(r.category), r.id, label.zh, label.en, r.spread]
                        + [SEPARATOR.join(names_of(cat, r.by_locality.get(l.iri, []))) for l in locs])
    name = f"zhili-matrix{'-' + chosen.id if chosen else ''}.csv"
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


def map_data(cat: Catalog, lang: str, include_restated: bool) -> dict:
    """What map.js draws: localities with codes and coordinates, and every concept's adopters with local names."""
    pick = lambda label: label.get(lang)  # noqa: E731
    locs = []
    for l in localities(cat):
        locs.append({"id": l.id, "name": pick(l.label), "zh": l.label.zh, "en": l.label.en, "adcode": l.adcode,
                     "lat": l.lat, "lon": l.lon, "level": pick(l.level), "province": pick(l.province),
                     "parent": pick(l.parent_city) if l.parent_city else None, "href": f"/localities/{l.id}"})
    concepts = []
    for r in concept_rows(cat, include_restated):
        concepts.append({
            "id": r.id, "name": pick(cat.label(r.iri)), "level": r.level, "depth": r.depth, "category": local_id(r.category),
            "spread": r.spread,
            "adopters": {local_id(l): {"names": names_of(cat, a), "href": evidence_href(cat, l, a)}
                         for l, a in sorted(r.by_locality.items())},
        })
    return {"localities": locs, "concepts": concepts, "gazetteer": f"{PACKAGE} {version()}"}


@router.get("/map", response_class=HTMLResponse)
def china_map(request: Request, concept: str | None = Query(None, max_length=200), include_restated: bool = Query(False)):
    cat = request.app.state.service.catalog
    lang = _lang(request)
    data = map_data(cat, lang, include_restated)
    selected = None
    if concept:
        selected = next((c for c in data["concepts"] if c["id"] == concept), None)
        if selected is None:
            entity = cat.by_id["mechanism"].get(concept)
            why = "is left out of comparisons (a named overall formula)" if entity is not None else "is not a concept"
            raise HTTPException(404, f"{concept[:80]!r} {why}; choose one from /mechanisms")
    groups = []
    for c in data["concepts"]:
        if c["level"] == "category":
            groups.append({"category": c, "members": []})
        else:
            groups[-1]["members"].append(c)
    return request.app.state.pages.render(
        request, "map.html", data=json.dumps(data, ensure_ascii=False).replace("<", "\\u003c"), groups=groups,
        selected=selected, gazetteer=data["gazetteer"],
        map_localities=data["localities"], include_restated=include_restated)
