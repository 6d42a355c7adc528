"""The API documentation, served offline: Swagger UI at /docs and ReDoc at /redoc.

FastAPI's own pages load both from a CDN with inline scripts, which the page CSP forbids; here the
vendored bundles (api/static/vendor/swagger-ui, api/static/vendor/redoc) are started by static scripts
(api/static/docs.js, api/static/redoc-init.js) from pages that keep the site's header and language switch.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)


def _about(request: Request) -> dict[str, str]:
    app = request.app
    return {"spec_url": app.openapi_url, "api_title": app.title, "api_version": app.version,
            "openapi_version": app.openapi_version}


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over /openapi.json: every operation, with "Try it out" against this server."""
    return request.app.state.pages.render(request, "docs.html", **_about(request))


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc over /openapi.json: the same description in a three-panel reading layout."""
    return request.app.state.pages.render(request, "redoc.html", **_about(request))
