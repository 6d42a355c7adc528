"""kg.comparison on a small hand-made scheme whose right answers are known, and on the real graph."""

from __future__ import annotations

import pytest

from kg.analysis import UnknownLocality, compare_localities, format_comparison, resolve_locality
from kg.comparison import Concept, Scheme, Use, compare, presence
from kg.store import select

C = "urn:c:"
SCHEME = Scheme({
    C + "A": Concept(C + "A", "类别", "category", None),
    C + "P": Concept(C + "P", "做法", "practice", C + "A"),
    C + "P1": Concept(C + "P1", "项目一", "programme one", C + "P"),
    C + "P2": Concept(C + "P2", "项目二", "programme two", C + "P"),
    C + "Q": Concept(C + "Q", "另一做法", "other practice", C + "A"),
    C + "F": Concept(C + "F", "总体提法", "formula", C + "A", excluded=True),
    C + "R": Concept(C + "R", "中央提法", "central formula", C + "A"),
})
USES = [
    Use("L1", "a1", C + "P1", "一号"), Use("L1", "a2", C + "Q", "q甲"), Use("L1", "a3", C + "F", "公式"),
    Use("L1", "a4", C + "R", "提法", restated=True),
    Use("L2", "b1", C + "P2", "二号"), Use("L2", "b2", C + "Q", "q乙"), Use("L2", "b3", C + "R", "提法", restated=True),
    Use("L3", "c1", C + "P1", "三号"),
]
LOCS = [{"iri": f"L{i}", "id": f"l{i}", "zh": f"地{i}", "en": f"place {i}"} for i in (1, 2, 3)]


def ids(rows, key="concept"):
    return [r[key]["iri"] for r in rows]


def test_levels_and_ancestors():
    assert SCHEME.practice(C + "P1") == C + "P" and SCHEME.practice(C + "Q") == C + "Q"
    assert SCHEME.category(C + "P2") == C + "A"
    assert [SCHEME.level(c) for c in (C + "A", C + "Q", C + "P1")] == ["category", "practice", "programme"]


def test_shared_by_k_of_n_and_unique():
    out = compare(SCHEME, USES, LOCS)
    assert out["same_concept"] == []
    some = {r["concept"]["iri"]: r for r in out["shared_by_some"]}
    assert set(some) == {C + "P1", C + "Q"}
    assert some[C + "P1"]["localities"] == ["L1", "L3"] and some[C + "P1"]["k"] == 2 and some[C + "P1"]["n"] == 3
    assert some[C + "Q"]["local_names"] == {"L1": ["q甲"], "L2": ["q乙"]}
    assert [r["iri"] for r in out["unique"]["L2"]] == [C + "P2"]
    assert out["unique"]["L2"][0]["practice_shared_with"] == ["L1", "L3"]
    assert out["unique"]["L1"] == [] and out["unique"]["L3"] == []


def test_same_practice_different_programmes():
    out = compare(SCHEME, USES, LOCS)
    [variant] = out["same_practice_different_programmes"]
    assert variant["practice"]["iri"] == C + "P"
    assert {l: [c["iri"] for c in cs] for l, cs in variant["concepts"].items()} == {
        "L1": [C + "P1"], "L2": [C + "P2"], "L3": [C + "P1"]}


def test_restatements_and_formulas_are_left_out_unless_asked():
    out = compare(SCHEME, USES, LOCS)
    assert C + "R" not in ids(out["shared_by_some"]) + ids(out["same_concept"])
    assert [r["adoption"] for r in out["left_out"]["restated"]] == ["a4", "b3"]
    assert [r["adoption"] for r in out["left_out"]["formulas"]] == ["a3"]
    assert all(C + "F" != r["iri"] for rows in out["unique"].values() for r in rows)
    included = compare(SCHEME, USES, LOCS, include_restated=True)
    assert C + "R" in ids(included["shared_by_some"]) and included["left_out"]["restated"] == []


def test_similarity_states_its_level():
    out = compare(SCHEME, USES, LOCS[:2])
    sims = {s["level"]: s for s in out["similarity"]}
    assert sims["concept"]["jaccard"] == pytest.approx(1 / 3, abs=1e-3) and sims["concept"]["shared"] == 1
    assert sims["practice"]["jaccard"] == 1.0 and sims["practice"]["union"] == 2


def test_presence_counts_distinct_concepts_not_adoptions():
    doubled = USES + [Use("L1", "a5", C + "P1", "一号之二")]
    assert presence(SCHEME, doubled)[("L1", C + "A")] == 2  # P1 and Q; the formula and the restatement do not count
    assert presence(SCHEME, doubled, include_restated=True)[("L1", C + "A")] == 3


def test_compare_on_the_graph_uses_names_and_leaves_restatements_out(store):
    out = compare_localities(store, ["金昌市", "Lanzhou", "jiuquan"])
    assert [l["en"] for l in out["localities"]] == ["Jinchang", "Lanzhou", "Jiuquan"]
    restated = {r["iri"] for r in select(store, "SELECT ?iri WHERE { ?iri zl:origin zl:RestatedPolicy }")}
    compared = {a for rows in (out["same_concept"], out["shared_by_some"]) for r in rows for a in r["local_names"]}
    assert compared <= {l["iri"] for l in out["localities"]}
    assert {r["adoption"] for r in out["left_out"]["restated"]} <= restated
    text = format_comparison(out)
    assert "https://" not in text and "Jinchang" in text and "practice level" in text
    assert "金昌市" in format_comparison(out, "zh")


def test_resolve_locality_names(store):
    assert resolve_locality(store, "珠山区").endswith("/zhushan")
    assert resolve_locality(store, "tonghua county").endswith("/tonghua-county")
    with pytest.raises(UnknownLocality):
        resolve_locality(store, "Atlantis")
    with pytest.raises(UnknownLocality):
        compare_localities(store, ["金昌市", "Jinchang"])
