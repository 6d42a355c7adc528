"""Every IRI minted under https://w3id.org/zhili/ resolves here: HTML for browsers, RDF by Accept."""

from __future__ import annotations


from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from kg.namespaces import BASE, ID
from kg.paths import ONTOLOGY_FILE

from ..catalog import local_id
from ..linked import describe, serialize
from ..repository import InvalidBinding
from ..echo import echo
from ..negotiate import choose

router = APIRouter(tags=["linked data"])
_OFFERED = ["text/html", "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"]
_PAGES = {"locality": "/localities/{}", "mechanism": "/mechanisms/{}", "document": "/documents/{}", "source": "/sources/{}"}


def _negotiate(request: Request) -> str:
    chosen = choose(request.headers.get("accept"), _OFFERED)
    if chosen is None:
        raise HTTPException(406, "available as " + ", ".join(_OFFERED))
    return chosen


@router.get("/id/{path:path}", summary="Resolve a minted IRI (HTML, Turtle, JSON-LD, N-Triples, RDF/XML)")
async def resolve(path: str, request: Request):
    iri = ID + path
    service = request.app.state.service
    cat = service.catalog
    media = _negotiate(request)
    try:
        triples = await service.in_store_thread(describe, service.repo, iri)
    except InvalidBinding:
        raise HTTPException(404, f"{echo(iri)} is not an IRI of this dataset") from None
    if not triples:
        raise HTTPException(404, f"{echo(iri)} is not in the graph")
    if media == "text/html":
        kind = path.split("/", 1)[0]
        if kind in _PAGES and local_id(iri) in cat.by_id.get(kind, {}):
            return RedirectResponse(_PAGES[kind].format(local_id(iri)) + (f"?lang={request.query_params['lang']}"
                                    if "lang" in request.query_params else ""), status_code=303)
        entity = cat.entity(iri)
        own = [t for t in triples if t.subject.value == iri]
        return request.app.state.pages.render(request, "resource.html", iri=iri, entity=entity, triples=own,
                                              kind=kind, evidence=[cat.evidence[e] for e in getattr(entity, "evidence", [])
                                                                   if e in cat.evidence])
    return Response(serialize(triples, media), media_type=media, headers={"Vary": "Accept"})


@router.get("/ontology", summary="The Zhili OWL ontology (Turtle)")
def ontology(request: Request):
    return Response(ONTOLOGY_FILE.read_bytes(), media_type="text/turtle")


def graph_names(service) -> frozenset[str]:
    """The named graphs of the dataset being served (in remote mode also the release's own names)."""
    return frozenset(g for g in service.graph_names() if g.startswith(BASE + "graph/"))


@router.get("/graph/{path:path}", include_in_schema=False)
def graph_name(path: str, request: Request):
    iri = f"{BASE}graph/{path}"
    if not path or iri not in graph_names(request.app.state.service):
        raise HTTPException(404, f"{echo(iri)} is not a graph of this dataset")
    return PlainTextResponse(f"{iri} names a graph of the dataset; query it with GRAPH in /sparql\n")
