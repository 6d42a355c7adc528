"""The pages and views the browser checks (accessibility, i18n, phone layout) walk: one of each kind."""

from __future__ import annotations

PAGES = [
    "/", "/localities", "/localities/jiuquan", "/mechanisms", "/mechanisms/big-working-committee",
    "/compare?localities=qingtongxia&localities=tonghua-county", "/sources",
    "/sources/004_e32c23e49bd89ed1#s004-00261-00272", "/documents/central-opinion-urban-party-building",
    "/graph", "/graph?view=tiers", "/sparql", "/map", "/matrix", "/search?q=网格", "/docs",
    "/id/locality/qingtongxia", "/no-such-page",
]
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


def in_language(path: str, lang: str) -> str:
    """The path with ?lang= added before any #fragment."""
    base, hash_, fragment = path.partition("#")
    return base + ("&" if "?" in base else "?") + "lang=" + lang + hash_ + fragment


DRAWN = """() => { const app = document.getElementById('graph-app');
    return !app || (app.dataset.view === 'tiers' ? app.dataset.tiersReady !== undefined : app.dataset.ready === '1'); }"""


def wait_until_drawn(page) -> None:
    """The graph page draws after its data arrives: checks must see what the user sees, not a half-built page."""
    page.wait_for_function(DRAWN)
