"""Server-rendered pages: Jinja2 with autoescaping, bilingual through ?lang=zh|en."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from kg.examples import load_examples
from kg.namespaces import PREFIXES

from .accept_language import language_from_header
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


def pick(label, lang: str) -> tuple[str, str]:
    """(text, its language): the label in `lang`, else in the other language, else empty."""
    if label is None:
        return "", lang
    zh, en = getattr(label, "zh", "") or "", getattr(label, "en", "") or ""
    if lang == "zh":
        return (zh, "zh") if zh else (en, "en")
    return (en, "en") if en else (zh, "zh")


def in_lang(text: str, text_lang: str, page_lang: str, cls: str | None = None) -> Markup:
    """Escaped text, wrapped in <span lang=…> when its language is not the page's, so screen readers
    switch voice and the i18n test can tell deliberate data from untranslated UI."""
    attrs = f' class="{cls}"' if cls else ""
    if not text or (text_lang == page_lang and not cls):
        return escape(text)
    if text_lang == page_lang:
        return Markup(f"<span{attrs}>") + escape(text) + Markup("</span>")
    return Markup(f'<span lang="{text_lang}"{attrs}>') + escape(text) + Markup("</span>")


_CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+(?:[…“”·\s]*[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+)*")
_LATIN_RUN = re.compile(r"[A-Za-z]{2,}(?:[ '’-]+[A-Za-z]+)*")
_CURIE = re.compile(r"\s*\(zl:[A-Za-z]+\)|\b(ad|mech):([A-Za-z0-9_-]+)")


def mixed(text: str, text_lang: str, page_lang: str) -> Markup:
    """Text in one language that quotes the other (an English note quoting the Chinese source): the whole
    marked with its language when that is not the page's, and each quoted run marked with its own."""
    other, run = ("zh", _CJK_RUN) if text_lang == "en" else ("en", _LATIN_RUN)
    out, pos = Markup(), 0
    for m in run.finditer(text):
        out += escape(text[pos:m.start()]) + Markup(f'<span lang="{other}">') + escape(m.group(0)) + Markup("</span>")
        pos = m.end()
    out += escape(text[pos:])
    return out if text_lang == page_lang else Markup(f'<span lang="{text_lang}">') + out + Markup("</span>")


class Pages:
    """Holds the Jinja environment and renders pages for the routers."""

    def __init__(self, service):
        self.service = service
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)
        from kg.gazetteer import PACKAGE, version

        self.env.globals.update(local_id=local_id, ld=linked_path, gazetteer_release=f"{PACKAGE} {version()}")
        self.examples = load_examples()

    @staticmethod
    def lang(request: Request) -> str:
        """`?lang=zh|en` when given, else the reader's Accept-Language (a zh variant ranked above English
        reads Chinese), else English."""
        value = request.query_params.get("lang")
        if value in ("zh", "en"):
            return value
        return language_from_header(request.headers.get("accept-language"))

    @staticmethod
    def wants_html(request: Request) -> bool:
        return prefers_html(request.headers.get("accept"))

    def render(self, request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        lang = self.lang(request)
        explicit = request.query_params.get("lang") in ("zh", "en")
        cat = self.service.catalog

        def t(key: str, **values) -> str:
            """The UI string in the page language; `{name}` placeholders filled from values."""
            if values.get("n") == 1 and key + "_one" in TEXT:  # "1 locality", not "1 localities"
                key += "_one"
            text = TEXT[key][lang]
            return text.format(**values) if values else text

        def L(label) -> str:  # noqa: N802 - the label in the page language, falling back to the other
            return pick(label, lang)[0]

        def Lx(label) -> Markup:  # noqa: N802 - L(label) as markup, marked lang= when it is in the other language
            text, text_lang = pick(label, lang)
            return mixed(text, text_lang, lang)  # an English definition may quote a Chinese term: marked too

        def zh(text) -> Markup:
            """Chinese data (a local name, a quote); marked lang="zh" on an English page."""
            return in_lang(text or "", "zh", lang)

        def en(text) -> Markup:
            """English data (a gloss, a translation); marked lang="en" on a Chinese page."""
            return in_lang(text or "", "en", lang)

        def both(label, sep: str = " ") -> Markup:
            """A label in both languages, page language first, each part marked with its language."""
            first, second = (label.zh, label.en) if lang == "zh" else (label.en, label.zh)
            other = "en" if lang == "zh" else "zh"
            if not second or second == first:
                return in_lang(first or second, lang if first else other, lang)
            return in_lang(first, lang, lang) + Markup(sep) + in_lang(second, other, lang, cls="alt")

        def url(path: str, **params) -> str:
            params = {k: v for k, v in params.items() if v is not None}
            if lang != "en" or explicit:  # keep a language chosen by ?lang= or by Accept-Language
                params["lang"] = lang
            return path + ("?" + urlencode(params, doseq=True) if params else "")

        def switch(to: str) -> str:
            params = dict(request.query_params)
            params["lang"] = to
            return self_path(request) + "?" + urlencode(params)

        def source_title(source_id: str, start: int | None = None) -> str:
            """What a source is called on a page: the headline of the article holding offset `start`
            (or the source's first headline), never its file name."""
            return cat.headline(source_id, start)

        def note_text(text: str, text_lang: str) -> Markup:
            """A curator's note as prose: `ad:x` becomes a link to that adoption under its local name,
            vocabulary terms in parentheses are dropped, quoted runs of the other language are marked."""
            adoptions = {a.id: a for a in cat.adoptions.values()} if "ad:" in text else {}
            out, pos = Markup(), 0
            for m in _CURIE.finditer(text):
                out += mixed(text[pos:m.start()], text_lang, text_lang)
                if m.group(1) == "ad" and m.group(2) in adoptions:
                    a = adoptions[m.group(2)]
                    out += Markup(f'<a href="#{escape(a.id)}">') + in_lang(a.local_name, "zh", text_lang) + Markup("</a>")
                elif m.group(1) == "mech" and m.group(2) in cat.by_id["mechanism"]:
                    out += Markup(f'<a href="{escape(url("/mechanisms/" + m.group(2)))}">') + \
                        escape(pick(cat.by_id["mechanism"][m.group(2)].label, text_lang)[0]) + Markup("</a>")
                pos = m.end()
            out += mixed(text[pos:], text_lang, text_lang)
            return out if text_lang == lang else Markup(f'<span lang="{text_lang}">') + out + Markup("</span>")

        html = self.env.get_template(template).render(request=request, lang=lang, t=t, L=L, Lx=Lx, zh=zh, en=en,
                                                      both=both, url=url, switch=switch, source_title=source_title,
                                                      mixed=lambda text, text_lang: mixed(text or "", text_lang, lang),
                                                      note_text=note_text, cat=cat, **context)
        return HTMLResponse(html, status_code=status)

    def not_found(self, request: Request, message: str) -> HTMLResponse:
        return self.render(request, "not_found.html", status=404, message=message)

    def sparql_page(self, request: Request, query: str | None) -> HTMLResponse:
        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()
                           if p in ("rdfs", "skos", "dcterms", "foaf", "oa", "schema", "zl", "loc", "mech", "ad", "fig", "tier", "doc", "seed", "place", "art"))
        lang = self.lang(request)
        examples = [{"slug": e.slug, "question": (e.question_zh or e.question) if lang == "zh" else e.question,
                     "lang": "zh" if lang == "zh" and e.question_zh else "en",  # the question's own language
                     "query": prologue + "\n" + e.query} for e in self.examples]
        config = {"endpoint": self.service.settings.public_url + "/sparql", "query": query or examples[0]["query"],
                  "examples": examples, "prefixes": PREFIXES}
        return self.render(request, "sparql.html", config=json.dumps(config, ensure_ascii=False), examples=examples)
