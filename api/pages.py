"""Server-rendered pages: Jinja2 with autoescaping, bilingual through ?lang=zh|en."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kg.examples import load_examples
from kg.namespaces import PREFIXES

from .catalog import local_id
from .negotiate import prefers_html

TEMPLATES = Path(__file__).parent / "templates"


def linked_path(iri: str) -> str:
    """Where a minted IRI resolves on this server (/id/...); other IRIs unchanged."""
    from kg.namespaces import ID

    return "/id/" + iri[len(ID):] if iri.startswith(ID) else iri


def self_path(request: Request) -> str:
    """The request's path as a link back to this server: re-quoted, and with leading slashes (or backslashes)
    collapsed to one, so `//evil.example/x` never becomes a protocol-relative, off-site link."""
    path = request.url.path.lstrip("/\\")
    return "/" + quote(path, safe="/:@!$&'()*+,;=-._~")


STRINGS = Path(__file__).parent / "strings"


def load_text() -> dict[str, dict[str, str]]:
    """Every UI string in zh and en, one JSON file per feature (api/strings/*.json) so features own
    their words; a key defined twice, or a string missing a language, is an error at start-up."""
    text: dict[str, dict[str, str]] = {}
    for path in sorted(STRINGS.glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            if key in text:
                raise ValueError(f"UI string {key!r} defined twice ({path.name})")
            if set(value) != {"zh", "en"} or not all(isinstance(v, str) and v for v in value.values()):
                raise ValueError(f"UI string {key!r} in {path.name} needs non-empty zh and en")
            text[key] = value
    return text


TEXT = load_text()


class Pages:
    """Holds the Jinja environment and renders pages for the routers."""

    def __init__(self, service):
        self.service = service
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(local_id=local_id, ld=linked_path)
        self.examples = load_examples()

    @staticmethod
    def lang(request: Request) -> str:
        value = request.query_params.get("lang", "en")
        return value if value in ("zh", "en") else "en"

    @staticmethod
    def wants_html(request: Request) -> bool:
        return prefers_html(request.headers.get("accept"))

    def render(self, request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        lang = self.lang(request)
        cat = self.service.catalog

        def t(key: str) -> str:
            return TEXT[key][lang]

        def L(label) -> str:  # noqa: N802 - the label in the page language, falling back to the other
            if label is None:
                return ""
            zh, en = getattr(label, "zh", "") or "", getattr(label, "en", "") or ""
            return (zh or en) if lang == "zh" else (en or zh)

        def url(path: str, **params) -> str:
            params = {k: v for k, v in params.items() if v is not None}
            if lang != "en":
                params["lang"] = lang
            return path + ("?" + urlencode(params, doseq=True) if params else "")

        def switch(to: str) -> str:
            params = dict(request.query_params)
            params["lang"] = to
            return self_path(request) + "?" + urlencode(params)

        html = self.env.get_template(template).render(request=request, lang=lang, t=t, L=L, url=url, switch=switch,
                                                      cat=cat, **context)
        return HTMLResponse(html, status_code=status)

    def not_found(self, request: Request, message: str) -> HTMLResponse:
        return self.render(request, "not_found.html", status=404, message=message)

    def sparql_page(self, request: Request, query: str | None) -> HTMLResponse:
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()
                           if p in ("rdfs", "skos", "dcterms", "foaf", "oa", "schema", "zl", "loc", "mech", "ad", "fig", "tier", "doc", "seed", "place", "art"))
        examples = [{"slug": e.slug, "question": e.question, "query": prologue + "\n" + e.query} for e in self.examples]
        config = {"endpoint": self.service.settings.public_url + "/sparql", "query": query or examples[0]["query"],
                  "examples": examples, "prefixes": PREFIXES}
        return self.render(request, "sparql.html", config=json.dumps(config, ensure_ascii=False), examples=examples)
