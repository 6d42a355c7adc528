"""The review page of `kg propose` in Chromium: opened from disk, offline, and its accept /
change / reject choices change the final file it produces."""

from __future__ import annotations

import pytest

from kg.propose.draft import default_decisions, final_text
from kg.propose.knowledge import all_curated
from kg.propose.proposal import Proposer
from kg.propose.review import review_html
from kg.seeds import load_seeds


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    cur = all_curated()["jinyuan"]
    seed = next(s for s in load_seeds() if s.path.stem == cur.seed)
    proposal = Proposer(exclude="jinyuan").propose(seed, cur.start, cur.end, "jinyuan")
    path = tmp_path_factory.mktemp("review") / "jinyuan.review.html"
    path.write_text(review_html(proposal), encoding="utf-8")
    return proposal, path


def test_choices_on_the_page_change_the_final_file(browser, review):
    proposal, path = review
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    final = page.locator("#final")
    # as opened: every item accepted as proposed, the same text the command line writes
    assert final.input_value() == final_text(proposal, default_decisions(proposal))
    adoption = next(i for i in proposal.items if i.kind == "adoption" and i.preferred and len(i.choices) > 1)
    iri = f"ad:jinyuan-p{int(adoption.id.split('-')[1]):03d}"
    assert f"{iri} a zl:Adoption" in final.input_value()
    # reject: the adoption leaves the file
    page.locator(f"#item-{adoption.id} button.reject").click()
    assert f"{iri} a zl:Adoption" not in final.input_value()
    # change to the second-ranked concept: back in the file, filed under that concept
    second = next(c["concept"] for c in adoption.choices if c["concept"] != adoption.preferred)
    page.locator(f"#item-{adoption.id} select").select_option(second)
    block = final.input_value().split(f"{iri} a zl:Adoption", 1)[1].split("\n\n", 1)[0]
    assert f"zl:mechanism mech:{second} ;" in block
    # clicking a highlighted span selects its item
    page.locator(f".seg[data-items~='{adoption.id}']").first.click()
    assert "active" in page.locator(f"#item-{adoption.id}").get_attribute("class")
    # reject all: an empty file, never an invented fact
    page.locator("#reject-all").click()
    assert final.input_value() == ""
    page.locator("#accept-all").click()
    assert final.input_value() == final_text(proposal, default_decisions(proposal))
    context.close()
    assert errors == []
    assert all(u.startswith(("file:", "data:", "blob:", "about:")) for u in requests), requests
