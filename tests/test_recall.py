"""Recall backstop: every quoted term and title in the seeds is in the graph or honestly excluded."""

from __future__ import annotations

from kg.recall import extract_terms, load_exclusions, recall_report


def test_extraction_finds_the_terms_and_titles_of_the_seeds():
    terms = extract_terms()
    quoted = {t.text for t in terms if t.kind == "quoted"}
    titles = {t.text for t in terms if t.kind == "title"}
    assert len(quoted) == 219 and len(titles) == 24
    assert {"一长七员", "五办四中心一队", "红色物业", "大工委"} <= quoted
    assert "关于加强和改进城市基层党的建设工作的意见" in titles


def test_every_term_is_represented_or_excluded(store):
    report = recall_report(store)
    missing = [f"{t.kind} {t.text} ({t.seed}@{t.offset})" for t in report["missing"]]
    assert missing == [], "not in the graph and not excluded:\n" + "\n".join(missing)
    assert report["stale_exclusions"] == [], "excluded but represented (or not in the seeds)"


def test_exclusion_list_is_short_and_every_entry_has_a_reason():
    exclusions = load_exclusions()
    assert all(len(reason) >= 8 for reason in exclusions.values())
    assert len(exclusions) <= 0.3 * len(extract_terms()), "the exclusion list must stay short"
    titles = {t.text for t in extract_terms() if t.kind == "title"}
    assert not titles & set(exclusions), "every 《title》 must be a policy document in the graph"
