"""/api/cite: a citation of any fact, locality, document or source, in plain text, BibTeX, CSL-JSON or RIS."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from ..citation import FORMATS, UnknownIri, filename, reference, render
from ..echo import echo
from ..models import ErrorModel

router = APIRouter(prefix="/api", tags=["REST API"])


@router.get("/cite", summary="Cite a fact (adoption, figure, tier chain), locality, policy document or source file",
            response_class=Response,
            responses={200: {"description": "the citation", "content": {
                           media.split(";")[0]: {"schema": {"type": "array" if "json" in media else "string"}}
                           for media in FORMATS.values()}},
                       404: {"model": ErrorModel, "description": "an IRI that names nothing citable"},
                       422: {"model": ErrorModel, "description": "bad format or language"}})
def cite(request: Request,
         iri: str = Query(..., min_length=1, max_length=2000, description="the minted IRI, e.g. "
                          "https://w3id.org/zhili/id/adoption/jinchang-big-working-committee"),
         format: str = Query("text", description="text | bibtex | csl-json | ris"),
         lang: str = Query("en", description="zh | en: the language of titles and notes")):
    if format not in FORMATS:
        raise HTTPException(422, f"unknown format {echo(format)}; choose one of {', '.join(FORMATS)}")
    if lang not in ("zh", "en"):
        raise HTTPException(422, f"unknown language {echo(lang)}; choose zh or en")
    from kg.export import dataset_version

    service = request.app.state.service
    try:
        ref = reference(service.catalog, iri, dataset_version(), service.checksum)
    except UnknownIri:
        raise HTTPException(404, f"nothing citable has the IRI {echo(iri)}: cite an adoption, figure, tier chain, "
                                 "locality, policy document or source") from None
    headers = {} if format == "text" else {"Content-Disposition": f'attachment; filename="{filename(ref, format)}"'}
    return Response(render(ref, format, lang).encode("utf-8"), media_type=FORMATS[format], headers=headers)
