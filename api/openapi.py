"""OpenAPI corrections: the schema must describe every answer the service really gives.

FastAPI documents 422 as its own validation-error shape, but the service answers
{"detail": "<message>"}; /sparql, /id/… and exports answer several media types.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

TEXT = {"text/plain": {"schema": {"type": "string"}}}
ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorModel"}}}
ANY = {"schema": {"type": "string"}}
JSON_DOC = {"schema": {"type": "object"}}  # JSON-LD documents and SPARQL JSON results are objects, not strings
SPARQL_MEDIA = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values", "text/turtle", "application/n-triples", "application/rdf+xml",
                "application/ld+json", "text/html"]
RDF_MEDIA = ["text/html", "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"]
EXPORT_MEDIA = ["text/turtle", "application/n-quads", "application/ld+json", "text/csv"]

SPARQL_PARAMETERS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE)"},
    {"name": "default-graph-uri", "in": "query", "required": False, "schema": {"type": "array", "items": {"type": "string"}}},
    {"name": "named-graph-uri", "in": "query", "required": False, "schema": {"type": "array", "items": {"type": "string"}}},
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "json | xml | csv | tsv | turtle | ntriples | rdfxml | jsonld, or a media type"},
]
SPARQL_ERRORS = {str(code): {"description": text, "content": TEXT} for code, text in [
    (400, "malformed query, SERVICE, bad parameters"), (403, "SPARQL Update refused"), (406, "no acceptable format"),
    (413, "query too large"), (415, "unsupported content type"), (503, "time limit, busy, or store unavailable"),
    (504, "the store returned a truncated answer")]}


def _content(media: list[str]) -> dict:
    return {m: dict(JSON_DOC if m.endswith("+json") else ANY) for m in media}


def install(app: FastAPI) -> None:
    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorModel"] = {"type": "object", "required": ["detail"],
                                    "properties": {"detail": {"type": "string"}}}
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        for path, methods in schema["paths"].items():
            for method, op in methods.items():
                responses = op.setdefault("responses", {})
                if "422" in responses or any(p.get("in") == "query" for p in op.get("parameters", [])):
                    responses["422"] = {"description": "bad parameters", "content": ERROR}
                if "{" in path:
                    responses.setdefault("404", {"description": "unknown id", "content": ERROR})
                responses.setdefault("503", {"description": "store unavailable", "content": ERROR})
                responses.setdefault("504", {"description": "store answer truncated or too slow", "content": ERROR})
                if path.startswith("/api/") and "{" in path and path != "/api/sources/{source_id}":
                    ok = responses.setdefault("200", {"description": "OK"})
                    ok.setdefault("content", {}).setdefault("application/ld+json", dict(JSON_DOC))
                    responses.setdefault("406", {"description": "not acceptable", "content": ERROR})
        sparql = schema["paths"].get("/sparql", {})
        for method, op in sparql.items():
            op["responses"] = {"200": {"description": "results, graph, service description or query page",
                                       "content": _content(SPARQL_MEDIA)}, **SPARQL_ERRORS}
            op["parameters"] = SPARQL_PARAMETERS
            if method == "post":
                op["requestBody"] = {"content": {
                    "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
                        "query": {"type": "string"}, "default-graph-uri": {"type": "string"},
                        "named-graph-uri": {"type": "string"}}}},
                    "application/sparql-query": {"schema": {"type": "string"}}}}
        resolve = schema["paths"].get("/id/{path}", {}).get("get")
        if resolve:
            resolve["responses"].update({"200": {"description": "the resource (the suffix, if any, chooses the format; "
                                                        "`Link` names the other formats)", "content": _content(RDF_MEDIA)},
                                         "406": {"description": "not acceptable", "content": ERROR}})
        context = schema["paths"].get("/ns/context.jsonld", {}).get("get")
        if context:
            context["responses"]["200"] = {"description": "the JSON-LD context",
                                           "content": _content(["application/ld+json"])}
        export = schema["paths"].get("/api/export", {}).get("get")
        if export:
            export["responses"]["200"] = {"description": "the dataset", "content": _content(EXPORT_MEDIA)}
        ontology = schema["paths"].get("/ontology", {}).get("get")
        if ontology:
            ontology["responses"]["200"] = {"description": "OWL ontology", "content": _content(["text/turtle"])}
        health = schema["paths"].get("/health", {}).get("get")
        if health:
            health["responses"]["503"] = {"description": "store unavailable", "content": {"application/json": {"schema": {"type": "object"}}}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
