"""The app factory: `create_app()` serves the validated embedded graph; tests pass their own repository."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .pages import Pages
from .repository import EmbeddedRepository, Repository, StoreUnavailable
from .routers import cite, docs, graph, linked_data, pages, pictures, rest, search, sparql
from .http_cache import AnswerFastPath, HttpCacheMiddleware
from .security import SecurityHeadersMiddleware
from .sparql import guard
from .service import Service
from .settings import Settings

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("zhili")


def remote_repository(settings: Settings) -> Repository:
    """A SPARQL server holding a release written by `kg load`; waits for one up to ZHILI_STORE_WAIT.
    (Service.create then checks the store's content against the release record.)"""
    import time

    from .remote import RemoteRepository
    from .repository import StoreUnavailable

    auth = (settings.store_user, settings.store_password or "") if settings.store_user else None
    repo = RemoteRepository(settings.store, timeout=settings.query_timeout, auth=auth)
    deadline = time.monotonic() + settings.store_wait
    while True:
        try:
            release = repo.current_release()
            if release:
                repo.use(release)
                return repo
            problem = "the store holds no Zhili release: run `kg load --endpoint …` first"
        except StoreUnavailable as exc:
            problem = str(exc)
        if time.monotonic() > deadline:
            raise RuntimeError(f"remote store not ready after {settings.store_wait:g} s: {problem}")
        log.warning("waiting for the store: %s", problem)
        time.sleep(1.0)


def disk_repository(location: str) -> Repository:
    """An on-disk store written by `kg build` (which validates first), opened read-only."""
    import pyoxigraph as ox

    from kg.store import read_build_info

    info = read_build_info(Path(location))
    if not info or not info.get("validated"):
        raise RuntimeError(f"ZHILI_STORE={location} is not a store written by `kg build --location` "
                           "(no validated build record); refusing to serve it")
    return EmbeddedRepository(ox.Store.read_only(location), location=str(location), checksum=info["checksum"],
                              quad_count=info["quads"])


def default_repository(settings: Settings) -> Repository:
    """The embedded store, built from the curated files after they pass `kg validate`;
    a store directory written by `kg build`; or, when ZHILI_STORE is a URL, the remote SPARQL server."""
    if settings.store.startswith(("http://", "https://")):
        return remote_repository(settings)
    if settings.store != "embedded":
        return disk_repository(settings.store)
    from kg.paths import DATA
    from kg.validate import validate

    data = Path(settings.data_dir) if settings.data_dir else DATA
    report = validate(data)
    if not report.ok:
        raise RuntimeError("the curated data does not validate; refusing to serve it:\n"
                           + "\n".join(map(str, report.violations[:20])))
    return EmbeddedRepository(report.store)  # serve exactly the store that was validated


def _example_texts() -> list[str]:
    from kg.examples import load_examples
    from kg.namespaces import sparql_prologue

    return [sparql_prologue() + example.query for example in load_examples()]


def create_app(settings: Settings | None = None, repository: Repository | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        repo = repository or await asyncio.to_thread(default_repository, settings)
        service = await asyncio.to_thread(Service.create, settings, repo)
        app.state.service = service
        app.state.pages = Pages(service)
        await service.start_pool()
        # the parser, and the lexer states the worked examples reach, built before serving rather than on clients'
        # first queries (in a thread beside serving, it slowed every first request by 2-10x while it ran)
        await asyncio.to_thread(guard.warm, _example_texts())
        await service.start_watch()
        log.info("serving %d quads (%s store)", service.triples, repo.kind)
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(
        title="Zhili API",
        version="1.0.0",
        description="Urban grassroots governance knowledge graph: REST/JSON(-LD) API, SPARQL 1.1 endpoint at /sparql, "
                    "linked-data pages. Read-only; every fact carries verbatim evidence.",
        lifespan=lifespan,
        docs_url=None, redoc_url=None,  # served offline by routers/docs.py under the page CSP
    )
    app.add_middleware(HttpCacheMiddleware)  # inside the security headers: its 304s get them too
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["*"], expose_headers=["Zhili-Truncated", "Zhili-Rows"])
    app.add_middleware(AnswerFastPath)  # outermost: replays what the layers above emitted for a repeated GET

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path", "body"))
            parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return JSONResponse({"detail": "; ".join(parts) or "invalid request"}, status_code=422)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable):
        status = 504 if type(exc).__name__ in ("StoreTruncated", "StoreTimeout") else 503
        return JSONResponse({"detail": f"store unavailable: {exc}"}, status_code=status, headers={"Retry-After": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404 and request.app.state.pages.wants_html(request):
            return request.app.state.pages.not_found(request, str(exc.detail))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    from . import openapi

    openapi.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(sparql.router)
    app.include_router(rest.router)
    app.include_router(linked_data.router)
    app.include_router(graph.router)
    app.include_router(docs.router)
    app.include_router(pictures.router)
    app.include_router(search.router)
    app.include_router(cite.router)
    app.include_router(pages.router)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon():
        return Response(status_code=204)

    @app.get("/health", tags=["service"], summary="Store and worker state")
    async def health(request: Request):
        service = request.app.state.service
        pool = service.pool
        state = await service.watch.check() if service.watch is not None else None  # remote: still our release?
        store = await service.in_store_thread(service.repo.health)
        if service.watch is not None:
            store["release_state"], store["release_switches"] = state, service.watch.switches
            if service.repo.problem:
                store.update(ok=False, error=service.repo.problem)
        body = {"status": "ok" if store["ok"] else "store unavailable", **store, "triples": service.triples,
                "checksum": service.checksum, "workers": pool.worker_pids() if pool else [],
                "network_isolated_workers": pool.isolated if pool else None,
                "worker_walls": pool.walls() if pool else None, "pool": vars(pool.stats) if pool else None,
                "fairness": service.gate.snapshot(),
                "response_cache": service.responses.stats(), "answer_cache": service.answers.stats()}
        return JSONResponse(body, status_code=200 if store["ok"] else 503)

    return app
