"""Site search: the /search page groups hits by kind and marks every match, bad input gets a clear answer,
and the header box offers keyboard-operable suggestions on every page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from api.routers.search import highlight
from api.views import fold

pytestmark = pytest.mark.parametrize("live", ["embedded"], indirect=True)


class Groups(HTMLParser):
    """Marked text per result group (<section class="search-group" data-kind=…>) of a /search page."""

    def __init__(self):
        super().__init__()
        self.kind, self.in_mark, self.depth = None, False, 0
        self.marks: dict[str, list[str]] = {}
        self.items: dict[str, int] = {}
        self.message = ""
        self.in_message = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and "search-group" in (a.get("class") or ""):
            self.kind = a["data-kind"]
            self.marks[self.kind], self.items[self.kind] = [], 0
        elif tag == "mark" and self.kind:
            self.in_mark = True
            self.marks[self.kind].append("")
        elif tag == "li" and self.kind:
            self.items[self.kind] += 1
        elif tag == "p" and "search-message" in (a.get("class") or ""):
            self.in_message = True

    def handle_endtag(self, tag):
        if tag == "section":
            self.kind = None
        elif tag == "mark":
            self.in_mark = False
        elif tag == "p":
            self.in_message = False

    def handle_data(self, data):
        if self.in_mark:
            self.marks[self.kind][-1] += data
        if self.in_message:
            self.message += data


def groups(http, q: str, lang: str = "en") -> tuple[int, Groups]:
    r = http.get("/search", params={"q": q, "lang": lang})
    parsed = Groups()
    parsed.feed(r.text)
    return r.status_code, parsed


@pytest.mark.parametrize("query, kinds", [
    ("党员示范户", {"adoption", "figure", "quote"}),
    ("一网八岗", {"adoption", "quote"}),
    ("grid", {"mechanism", "adoption", "figure", "document"}),
    ("红色物业", {"mechanism", "adoption", "document", "quote"}),
])
def test_search_page_groups_and_marks_matches(http, live, query, kinds):
    status, page = groups(http, query)
    assert status == 200
    assert kinds <= set(page.marks), f"groups for {query}: {sorted(page.marks)}"
    api = http.get("/api/search", params={"q": query, "limit": 500}).json()
    for kind in {h["kind"] for h in api["hits"]}:  # every kind the REST search finds is a group here too
        assert kind in page.marks
    for kind, marks in page.marks.items():
        assert page.items[kind] >= 1 and marks, f"{kind} results carry no <mark>"
        assert all(fold(m) == fold(query) for m in marks), (kind, marks[:5])  # the match, no more, no less


def test_search_is_case_insensitive_and_bilingual(http, live):
    _, upper = groups(http, "GRID")
    _, lower = groups(http, "grid")
    assert upper.items == lower.items and upper.marks == lower.marks  # marks show the text as written, not the query
    assert "grid" in {m for ms in upper.marks.values() for m in ms}
    _, zh = groups(http, "红色物业", lang="zh")
    _, en = groups(http, "red property", lang="en")
    assert "mechanism" in zh.marks and "mechanism" in en.marks  # the same concept by its zh and its en label


def test_search_bad_input(http, live):
    status, page = groups(http, "")
    assert status == 200 and "Type some" in page.message
    status, page = groups(http, "x" * 201)
    assert status == 422 and "too long" in page.message
    status, page = groups(http, "x" * 201, lang="zh")
    assert status == 422 and "过长" in page.message
    status, page = groups(http, "zzzzqqq")
    assert status == 200 and page.message and not page.marks
    for bad in ("", "   ", "x" * 201):
        r = http.get("/api/search", params={"q": bad})
        assert r.status_code == 422 and r.json()["detail"]
    r = http.get("/search", params={"q": "<img src=x onerror=alert(1)>"})
    assert r.status_code == 200 and "<img src=x" not in r.text and "&lt;img src=x" in r.text


def test_highlight_folds_width_and_case(live):  # (the module-wide live parameter; no server needed)
    assert highlight("Grid Party branch", "ｇｒｉｄ") == [("Grid", True), (" Party branch", False)]
    long = "甲" * 200 + "红色物业" + "乙" * 200
    pieces = highlight(long, "红色物业", width=10)
    assert pieces == [("…", False), ("甲" * 10, False), ("红色物业", True), ("乙" * 10, False), ("…", False)]


def test_header_suggestions_are_keyboard_operable(page, live):
    page.goto(live.url + "/localities/jinchang?lang=zh")
    box = page.locator("#site-search")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("红色物业", delay=20)
    listbox = page.locator("#site-search-list[role=listbox]")
    listbox.locator("[role=option]").first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    options = listbox.locator("[role=option]")
    assert options.count() >= 2 and "红色物业" in options.first.inner_text()
    box.press("ArrowDown")
    box.press("ArrowDown")
    second = options.nth(1)
    assert box.get_attribute("aria-activedescendant") == second.get_attribute("id")
    assert second.get_attribute("aria-selected") == "true"
    box.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    box.press("Escape")
    assert listbox.is_hidden() and box.get_attribute("aria-expanded") == "false"
    box.press("ArrowDown")  # reopens the list
    box.press("ArrowDown")
    with page.expect_navigation():
        box.press("Enter")
    assert page.url.startswith(live.url + "/mechanisms/red-property") and "lang=zh" in page.url


def test_header_enter_without_choice_opens_the_results_page(page, live):
    page.goto(live.url + "/sources")
    page.fill("#site-search", "一网八岗")
    with page.expect_navigation():
        page.press("#site-search", "Enter")
    assert "/search?q=" in page.url
    assert page.locator("section.search-group mark").first.inner_text() == "一网八岗"
