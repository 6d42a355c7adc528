"""The site search page (/search?q=…): every kind of thing in the graph, grouped, with the match marked.

Matching is views.SearchIndex (the one behind /api/search), built once per catalog with figures and
evidence quotes added; this module only groups the hits and cuts highlighted snippets from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kg.namespaces import ID

from ..catalog import Catalog
from ..pages import pick
from ..script import HAN, LATIN
from ..views import SearchIndex, fold

router = APIRouter(include_in_schema=False)

MAX_QUERY = 200  # the same bound as /api/search
PER_GROUP = 20
SNIPPET = 60  # characters of context either side of a match in long texts
KINDS = ("locality", "mechanism", "adoption", "figure", "document", "quote")


@dataclass
class Result:
    label: object
    url: str
    snippet: list[tuple[str, bool]]  # (text, is_match) pieces; the template escapes them
    context: list[tuple[str, str]] = field(default_factory=list)  # (text, its language) pieces
    matched: str = ""  # the field that matched: when it is the label shown, the label itself is marked
    lang: str = "zh"  # the language of the matched text, so the page can mark it lang= when not its own


@dataclass
class Group:
    kind: str
    total: int = 0
    results: list[Result] = field(default_factory=list)


def _index(request: Request) -> SearchIndex:
    """The page's index: built on first use and again whenever the service swaps its catalog."""
    cat = request.app.state.service.catalog
    held = getattr(request.app.state, "site_search", None)
    if held is None or held[0] is not cat:
        held = (cat, SearchIndex(cat, everything=True))
        request.app.state.site_search = held
    return held[1]


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    """The text folded as the index folds it, with the original position of every folded character."""
    out, origin = [], []
    for i, char in enumerate(text):
        piece = fold(char)
        out.append(piece)
        origin += [i] * len(piece)
    return "".join(out), origin


def highlight(text: str, query: str, width: int = SNIPPET) -> list[tuple[str, bool]]:
    """`text` cut into plain and matching pieces (case- and width-insensitive, like the index); a text
    longer than a snippet is cut to the window around its first match, with ellipses."""
    q = fold(query.strip())
    folded, origin = _folded_with_origin(text)
    spans, at = [], folded.find(q) if q else -1
    while at >= 0:
        spans.append((origin[at], origin[at + len(q) - 1] + 1))
        at = folded.find(q, at + len(q))
    lo, hi = 0, len(text)
    if spans and len(text) > 2 * width + len(q):
        lo, hi = max(0, spans[0][0] - width), min(len(text), spans[0][1] + width)
    elif not spans and len(text) > 2 * width:
        hi = 2 * width
    pieces: list[tuple[str, bool]] = [("…", False)] if lo > 0 else []
    cursor = lo
    for start, end in spans:
        if start < cursor or end > hi:
            continue
        if start > cursor:
            pieces.append((text[cursor:start], False))
        pieces.append((text[start:end], True))
        cursor = end
    if cursor < hi:
        pieces.append((text[cursor:hi], False))
    if hi < len(text):
        pieces.append(("…", False))
    return pieces


def text_lang(text: str) -> str:
    """The language a matched text is written in, by its script: the index keeps no language per field,
    and what it holds is Chinese (names, quotes, printed figures) or English (labels, glosses)."""
    return "zh" if len(HAN.findall(text)) >= len(LATIN.findall(text)) / 4 and HAN.search(text) else "en"


def _context(cat: Catalog, kind: str, iri: str, lang: str) -> list[tuple[str, str]]:
    """A short line saying where a hit belongs (its locality, concept or source), as (text, language)
    pieces: a name falls back to the other language, and a printed figure is Chinese."""
    def name(label) -> tuple[str, str]:
        return pick(label, lang)

    dot = (" · ", lang)
    if kind == "adoption":
        a = cat.adoptions[iri]
        return [name(cat.localities[a.locality].label), dot, name(cat.mechanisms[a.mechanism].label)]
    if kind == "figure":
        f = cat.figures[iri]
        return [name(cat.localities[f.locality].label), dot, (f.printed, "zh")]
    if kind == "mechanism":
        m = cat.mechanisms[iri]
        return [name(cat.categories[m.category].label)] if m.category in cat.categories else []
    if kind == "locality":
        return [name(cat.localities[iri].province)]
    if kind == "quote":
        ev = cat.evidence[iri]
        src = cat.sources.get(ID + "source/" + ev.source)
        return [name(src.label) if src else (ev.source, lang), (f" [{ev.start}–{ev.end}]", lang)]
    return []


def run(request: Request, query: str, lang: str) -> list[Group]:
    """Every hit for `query`, grouped by kind in a fixed order, the best first in each group."""
    cat = request.app.state.service.catalog
    hits, _ = _index(request).search(query, limit=100_000)
    groups = {kind: Group(kind) for kind in KINDS}
    for hit in hits:
        group = groups[hit.kind]
        group.total += 1
        if len(group.results) < PER_GROUP:
            label = None if hit.kind == "quote" else hit.label  # a quote is its own snippet
            group.results.append(Result(label=label, url=hit.url, snippet=highlight(hit.matched, query),
                                         context=_context(cat, hit.kind, hit.iri, lang), matched=hit.matched,
                                         lang=text_lang(hit.matched)))
    return [g for g in groups.values() if g.total]


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = ""):
    pages = request.app.state.pages
    query = q.strip()
    if not query:
        return pages.render(request, "search.html", q=q, groups=[], message="search_empty")
    if len(q) > MAX_QUERY:
        return pages.render(request, "search.html", status=422, q=q[:MAX_QUERY], groups=[], message="search_too_long",
                            max_query=MAX_QUERY)
    groups = run(request, query, pages.lang(request))
    return pages.render(request, "search.html", q=query, groups=groups, message="" if groups else "search_nothing",
                        total=sum(g.total for g in groups), q_lang=text_lang(query))

