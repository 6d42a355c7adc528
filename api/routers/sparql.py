"""/sparql: the SPARQL 1.1 Protocol (query only), the service description and the query page."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from ..clients import client_id
from ..echo import echo
from ..http_cache import ANSWER_SCOPE_KEY
from ..negotiate import choose, prefers_html
from ..remote import StoreTruncated
from ..repository import StoreUnavailable
from ..sparql.description import release_info, service_description
from ..sparql.form import parse_form
from ..sparql.guard import Refused, classify
from ..sparql.fairness import ClientLimit
from ..sparql.pool import PoolBusy, PoolClosed, QueryJob, QueryMemoryExceeded, QueryTimeout
from ..sparql.results import GRAPH_TYPES, RESULT_TYPES, NotRepresentable, check_xml, star_order

router = APIRouter(tags=["SPARQL"])

_RESULT_ALIASES = {
    "json": "json", "srj": "json", "application/sparql-results+json": "json", "application/json": "json",
    "xml": "xml", "srx": "xml", "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "csv": "csv", "text/csv": "csv", "tsv": "tsv", "text/tab-separated-values": "tsv",
}
_GRAPH_ALIASES = {
    "turtle": "turtle", "ttl": "turtle", "text/turtle": "turtle", "application/x-turtle": "turtle",
    "ntriples": "ntriples", "nt": "ntriples", "n-triples": "ntriples", "application/n-triples": "ntriples", "text/plain": "ntriples",
    "rdfxml": "rdfxml", "rdf": "rdfxml", "xml": "rdfxml", "application/rdf+xml": "rdfxml", "application/xml": "rdfxml",
    "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld", "application/ld+json": "jsonld", "application/json": "jsonld",
}
_RESULT_OFFERED = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                   "text/tab-separated-values", "application/json", "application/xml", "text/xml"]
_GRAPH_OFFERED = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
                  "application/x-turtle", "text/plain", "application/json", "application/xml"]


def _error(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status)


def check_graph_iri(uri: str) -> None:
    """A dataset parameter must be an absolute IRI pyoxigraph accepts (checked here, not in a worker)."""
    try:
        ox.NamedNode(uri)
        valid = uri.startswith(("http://", "https://", "urn:"))
    except ValueError:
        valid = False
    if not valid:
        raise Refused(400, f"invalid graph IRI {echo(uri)}: default-graph-uri and named-graph-uri take absolute "
                           "http(s): or urn: IRIs")


def dataset_graphs(service, uris: list[str]) -> tuple[str, ...]:
    """Protocol dataset parameters may only narrow the dataset to its own graphs (never reach another graph the
    store holds); returned as the names the store uses (in remote mode, the current release's)."""
    known, found = service.graph_names(), []
    for uri in uris:
        check_graph_iri(uri)
        if uri not in known:
            raise Refused(400, f"{echo(uri)} is not a graph of this dataset: default-graph-uri and named-graph-uri "
                               "may only name its graphs (listed in the service description)")
        found.append(known[uri])
    return tuple(found)


def _pick_format(form_is_graph: bool, accept: str | None, fmt_param: str | None) -> str | None:
    aliases = _GRAPH_ALIASES if form_is_graph else _RESULT_ALIASES
    if fmt_param:
        return aliases.get(fmt_param.strip().lower())
    offered = _GRAPH_OFFERED if form_is_graph else _RESULT_OFFERED
    chosen = choose(accept, offered)
    return aliases.get(chosen) if chosen else None


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Refused(413, f"request body of {declared} bytes exceeds the limit of {limit} bytes (ZHILI_MAX_QUERY_BYTES)")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise Refused(413, f"request body exceeds the limit of {limit} bytes (ZHILI_MAX_QUERY_BYTES)")
    except ClientDisconnect:
        raise Refused(400, "the connection closed before the whole request body arrived") from None
    return bytes(body)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(400, f"the request is not valid UTF-8 (byte {exc.start})") from None


async def _protocol_params(request: Request) -> dict[str, list[str]]:
    """All protocol parameters from the URL and, for POST, the body."""
    settings = request.app.state.service.settings
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await _read_body(request, settings.max_query_bytes + 4096)
        if ctype == "application/x-www-form-urlencoded":
            try:
                form = parse_form(body)
            except UnicodeDecodeError:
                raise Refused(400, "the form is not valid UTF-8") from None
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
        elif ctype == "application/sparql-query":
            params.setdefault("query", []).append(_decode(body))
        elif ctype == "application/sparql-update":
            raise Refused(403, "SPARQL Update is not allowed: this endpoint is read-only")
        else:
            raise Refused(415, f"unsupported content type {echo(ctype) if ctype else '(none)'}: use application/x-www-form-urlencoded "
                               "or application/sparql-query")
    return params


async def _handle(request: Request) -> Response:
    service = request.app.state.service
    settings = service.settings
    try:
        params = await _protocol_params(request)
        if "update" in params:
            raise Refused(403, "SPARQL Update is not allowed: this endpoint is read-only")
        queries = params.get("query", [])
        if not queries:
            if request.method == "GET":
                return describe_or_page(request)
            raise Refused(400, "missing 'query' parameter")
        if len(queries) > 1:
            raise Refused(400, "exactly one 'query' parameter is allowed")
        query = queries[0]
        if len(query.encode("utf-8")) > settings.max_query_bytes:
            raise Refused(413, f"query of {len(query.encode('utf-8'))} bytes exceeds the limit of "
                               f"{settings.max_query_bytes} bytes (ZHILI_MAX_QUERY_BYTES)")
        if "\x00" in query:
            raise Refused(400, "the query contains a NUL character")
        if request.method == "GET" and prefers_html(request.headers.get("accept")) and not params.get("format"):
            return request.app.state.pages.sparql_page(request, query)
        # the guard is pure Python: a long text is classified off the event loop (short ones are cached or fast)
        classified = classify(query) if len(query) <= 4096 else await run_in_threadpool(classify, query)
        fmt_param = (params.get("format") or params.get("output") or [None])[0]
        fmt = _pick_format(classified.is_graph, request.headers.get("accept"), fmt_param)
        if fmt is None:
            offered = ", ".join((GRAPH_TYPES if classified.is_graph else RESULT_TYPES).values())
            wanted = fmt_param or request.headers.get("accept")
            raise Refused(406, f"cannot produce {echo(wanted)} for a {classified.form} query; available: {offered}")
        default_graphs = dataset_graphs(service, params.get("default-graph-uri", []))
        named_graphs = dataset_graphs(service, params.get("named-graph-uri", []))
        # this release's answers (an answer that finishes after a release switch goes into the dropped cache);
        # none while a remote store does not hold the release: every store-backed answer is refused then
        answers = None if getattr(service.repo, "problem", None) else service.answers
        key = answers.key(query, fmt, default_graphs, named_graphs, settings.max_rows,
                          settings.max_result_bytes) if answers is not None else None
        outcome = answers.get(key) if answers is not None else None
        cached = outcome is not None
        if not cached:
            order = None  # SELECT *: columns in pattern order (read off the same grammar, off the loop when long)
            if classified.form == "SELECT":
                order = star_order(query) if len(query) <= 4096 else await run_in_threadpool(star_order, query)
            job = QueryJob(query, classified.form, fmt, default_graphs, named_graphs, settings.max_rows,
                           settings.max_result_bytes, order)
            outcome = await service.run_query(job, client_id(request, settings.trusted_proxies))
    except Refused as refused:
        return _error(refused.status, refused.message)
    except ClientLimit as limited:
        return PlainTextResponse(f"too many queries at once from your address: {limited}; wait for one to finish "
                                 "(ZHILI_CLIENT_QUERIES)\n", status_code=429,
                                 headers={"Retry-After": str(limited.retry_after)})
    except QueryMemoryExceeded:
        return _error(503, f"query stopped: it needed more than {settings.query_memory // 2**20} MiB of memory "
                           "(ZHILI_QUERY_MEMORY); its worker was replaced")
    except QueryTimeout:
        how = ("its worker was killed and replaced" if service.repo.kind == "embedded"
               else "the request to the store was abandoned")
        return _error(503, f"query stopped: it exceeded the {settings.query_timeout:g} s time limit "
                           f"(ZHILI_QUERY_TIMEOUT); {how}")
    except PoolBusy:
        return _error(503, "all query workers are busy, or the worker running this query stopped unexpectedly "
                           "(it was replaced); try again shortly")
    except PoolClosed:
        return _error(503, "the service is shutting down")
    except StoreTruncated as exc:
        return _error(504, f"store error: {exc}")
    except StoreUnavailable as exc:
        return _error(503, f"store unavailable: {exc}")
    except NotRepresentable as exc:  # a writer refused the result (if its refusal is raised this far)
        return _error(406, str(exc))
    if not outcome.ok:
        return _error(outcome.status, outcome.error or "query failed")
    if fmt in ("xml", "rdfxml") and not cached:
        try:
            check_xml(outcome.body, fmt)
        except NotRepresentable as exc:
            return _error(406, str(exc))
    if answers is not None:
        if not cached:
            answers.put(key, outcome, outcome.body)
        request.scope[ANSWER_SCOPE_KEY] = (answers, key, outcome)  # AnswerFastPath keeps the finished response
    media = (GRAPH_TYPES if classified.is_graph else RESULT_TYPES)[fmt]
    headers = {"Zhili-Rows": str(outcome.rows), "Zhili-Answer-Cache": "hit" if cached else "miss"}
    if outcome.truncated:
        headers["Zhili-Truncated"] = outcome.truncated
    charset = "; charset=utf-8" if media.startswith("text/") or media.endswith(("json", "xml", "triples")) else ""
    return Response(outcome.body, media_type=media + charset, headers=headers)


def describe_or_page(request: Request) -> Response:
    service = request.app.state.service
    accept = request.headers.get("accept")
    if prefers_html(accept):
        return request.app.state.pages.sparql_page(request, None)
    fmt = _pick_format(True, accept, request.query_params.get("format"))
    if fmt is None:
        return _error(406, "the service description is available as " + ", ".join(GRAPH_TYPES.values()))
    endpoint = service.settings.public_url + "/sparql"  # never the request's Host header
    graph = service_description(endpoint, service.catalog, service.triples, service.extra.get("class_counts", {}),
                                release_info(service))
    rdflib_format = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}[fmt]
    return Response(graph.serialize(format=rdflib_format), media_type=GRAPH_TYPES[fmt])


@router.get("/sparql", name="sparql_get", summary="SPARQL query via GET, service description or query page")
async def sparql_get(request: Request) -> Response:
    return await _handle(request)


@router.post("/sparql", name="sparql_post", summary="SPARQL query via POST (form or application/sparql-query)")
async def sparql_post(request: Request) -> Response:
    return await _handle(request)
