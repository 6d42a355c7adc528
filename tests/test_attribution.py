"""Facts are attributed to the locality the sentence is about, not the heading it sits under."""

from __future__ import annotations

from kg.store import select

# Articles of seed 002 (offsets in code points): where each locality's article starts.
ARTICLES_002 = {"jinyuan": (0, 2583), "zhushan": (2583, 4732), "tonghua-county": (4732, 7363)}
# The Zhushan section printed a second time, misplaced, under the Jinyuan heading.
DUPLICATE_IN_JINYUAN = (2211, 2583)

_EVIDENCE = """
SELECT ?fact ?loc ?start ?end ?isNote WHERE {
  ?ann oa:hasBody ?fact ; oa:hasTarget ?t .
  ?t oa:hasSource seed:002_1f5f9208bb5fe543 ; oa:hasSelector/oa:start ?start ; oa:hasSelector/oa:end ?end .
  { ?fact zl:locality ?loc } UNION { ?chain zl:hasTier ?fact ; zl:locality ?loc }
  BIND(EXISTS { ?fact a zl:LayoutNote } AS ?isNote)
}"""


def test_seed_002_facts_are_quoted_from_their_own_article(store):
    wrong = []
    for row in select(store, _EVIDENCE):
        if row["isNote"] == "true":
            continue
        loc = row["loc"].rsplit("/", 1)[-1]
        lo, hi = ARTICLES_002[loc]
        if not lo <= row["start"] < hi:
            wrong.append(f"{row['fact']} ({loc}) quotes offset {row['start']}")
    assert wrong == []


def test_duplicated_zhushan_section_is_recorded_not_curated_to_jinyuan(store):
    rows = select(store, """
      SELECT ?note ?loc ?start WHERE {
        ?note a zl:LayoutNote ; zl:layoutIssue zl:DuplicatedPassage ; zl:locality ?loc .
        ?ann oa:hasBody ?note ; oa:hasTarget/oa:hasSource seed:002_1f5f9208bb5fe543 ; oa:hasTarget/oa:hasSelector/oa:start ?start .
      }""")
    lo, hi = DUPLICATE_IN_JINYUAN
    assert any(r["loc"].endswith("/zhushan") and lo <= r["start"] < hi for r in rows), rows
    jinyuan_in_duplicate = [
        r for r in select(store, _EVIDENCE)
        if r["loc"].endswith("/jinyuan") and r["isNote"] != "true" and lo <= r["start"] < hi
    ]
    assert jinyuan_in_duplicate == []


def test_zhushan_documents_are_not_attributed_to_jinyuan(store):
    rows = select(store, """
      SELECT ?loc WHERE { ?d dcterms:title "2018—2022年江西省基层党建工作规划纲要"@zh ; zl:citedBy ?loc }""")
    assert [r["loc"].rsplit("/", 1)[-1] for r in rows] == ["zhushan"]


def test_lanzhou_street_named_jiuquan_road_is_not_jiuquan(store):
    rows = select(store, """
      SELECT ?fact WHERE {
        ?ann oa:hasBody ?fact ; oa:hasTarget/oa:hasSource seed:001_bd5ae6c5d704ac7b .
        ?fact zl:locality loc:jiuquan .
      }""")
    assert rows == []


def test_every_locality_fact_is_quoted_from_a_seed_covering_it(store):
    rows = select(store, """
      SELECT ?fact WHERE {
        ?ann oa:hasBody ?fact ; oa:hasTarget/oa:hasSource ?seed . ?fact zl:locality ?loc .
        FILTER NOT EXISTS { ?seed zl:covers ?loc }
      }""")
    assert rows == []
