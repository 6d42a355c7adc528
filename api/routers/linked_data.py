"""Every IRI minted under https://w3id.org/zhili/ resolves here: HTML for browsers, RDF by Accept or by a
suffix (/id/x.ttl, .jsonld, .nt, .rdf, .html), each answer naming the others in `Link` headers; and the
project's JSON-LD context at a stable URL."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response

from kg.namespaces import BASE, ID
from kg.paths import CONTEXT_FILE, ONTOLOGY_FILE

from .. import linked
from ..echo import echo
from ..negotiate import choose
from ..repository import InvalidBinding

router = APIRouter(tags=["linked data"])
_OFFERED = ["text/html", "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"]


def _negotiate(request: Request) -> str:
    chosen = choose(request.headers.get("accept"), _OFFERED)
    if chosen is None:
        raise HTTPException(406, "available as " + ", ".join(_OFFERED))
    return chosen


@router.get("/id/{path:path}",
            summary="Resolve a minted IRI (HTML, Turtle, JSON-LD, N-Triples, RDF/XML by Accept, or by the suffix "
                    ".html, .ttl, .jsonld, .nt, .rdf)")
async def resolve(path: str, request: Request):
    path, media = linked.split_suffix(path)
    iri = ID + path
    service = request.app.state.service
    media = media or _negotiate(request)
    try:
        triples = await service.in_store_thread(linked.describe, service.repo, iri)
    except InvalidBinding:
        raise HTTPException(404, f"{echo(iri)} is not an IRI of this dataset") from None
    if not triples:
        raise HTTPException(404, f"{echo(iri)} is not in the graph")
    links = linked.link_header(path, service.settings.public_url, media)
    if media == "text/html":
        pairs = await service.in_store_thread(linked.inverse, service.repo, iri)
        response = _page(request, iri, path, triples, pairs)
        response.headers["Link"] = links
        return response
    return Response(linked.serialize(triples, media), media_type=media, headers={"Link": links})


def _page(request: Request, iri: str, path: str, triples, pairs) -> Response:
    pages = request.app.state.pages
    cat = request.app.state.service.catalog
    lang = pages.lang(request)
    label = linked.label_of(cat, iri)
    title = linked.pick(label, lang) or linked.Text(linked.prefixed(iri))
    entity = cat.entity(iri)
    evidence = [cat.evidence[e] for e in getattr(entity, "evidence", []) if e in cat.evidence]
    describe_query = f"DESCRIBE <{iri}>"
    return pages.render(
        request, "resource.html", iri=iri, title=title, other=linked.other_label(label, title),
        name=linked.prefixed(iri), types=linked.types_of(cat, iri, triples, lang),
        rows=linked.property_rows(cat, iri, triples, lang), inverse=linked.inverse_rows(cat, iri, pairs, lang),
        friendly=linked.friendly_page(cat, iri), formats=[a for a in linked.alternates(path) if a[1] != "text/html"],
        evidence=evidence, describe_url="/sparql?" + urlencode({"query": describe_query}),
        sparql_url=lambda q: "/sparql?" + urlencode({"query": q}))


@router.get("/ns/context.jsonld", summary="The project's JSON-LD context (used by every JSON-LD answer)")
def context() -> Response:
    return Response(CONTEXT_FILE.read_bytes(), media_type="application/ld+json",
                    headers={"Cache-Control": "public, max-age=3600"})


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
