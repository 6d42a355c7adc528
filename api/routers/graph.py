"""/graph: the interactive graph view, and /api/graph, the network it draws."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from ..echo import echo
from ..graphview import build_graph, synthetic, to_vis
from ..pages import TEXT

router = APIRouter()
VIEWS = ("network", "tiers")


@router.get("/graph", response_class=HTMLResponse, include_in_schema=False)
def graph_page(request: Request, view: str = Query("network")):
    if view not in VIEWS:
        raise HTTPException(422, f"unknown view {echo(view)}; use one of {', '.join(VIEWS)}")
    pages = request.app.state.pages
    lang = pages.lang(request)
    # the script's words, in the page language (keys of api/strings/graph.json, without the prefix)
    strings = {key[len("graph_"):]: value[lang] for key, value in TEXT.items() if key.startswith("graph_")}
    strings["colon"] = TEXT["colon"][lang]  # "：" in zh
    return pages.render(request, "graph.html", view=view, strings=strings)


@router.get("/api/graph", tags=["graph view"], summary="Nodes, edges (with layout) and options of the graph view")
async def graph_data(request: Request, synthetic_localities: int | None = Query(
        None, ge=2, le=5000, alias="synthetic", description="benchmark only (a server started with "
        "ZHILI_BENCH_SYNTHETIC=1): a synthetic graph with this many localities")):
    service = request.app.state.service
    if synthetic_localities is not None and not service.settings.bench_synthetic:
        # each one costs about a second of the server's own CPU: never on a public server
        raise HTTPException(422, "synthetic: synthetic graphs are a benchmark-only setting; this server was not "
                                 "started with ZHILI_BENCH_SYNTHETIC=1")
    if synthetic_localities:
        data = await asyncio.to_thread(lambda: to_vis(synthetic(synthetic_localities)))
        return JSONResponse(data)
    cached = service.extra.get("graph")
    if cached is None:
        cached = await asyncio.to_thread(lambda: to_vis(build_graph(service.catalog), service.catalog))
        service.extra["graph"] = cached
    return JSONResponse(cached)
