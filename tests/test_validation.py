"""`kg validate`: passes on the curated graph, and each rule fails on its fixture."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from kg.cli import main
from kg.paths import SEEDS, SHAPES_FILE
from kg.store import build_store
from kg.validate import PROVENANCE_RULES, check_format, check_provenance, expected_qualifiers, qc_queries, validate

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_iris(path: Path) -> set[str]:
    graph = Graph().parse(path, format="turtle")
    return {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}


def shape_names() -> list[str]:
    shapes = Graph().parse(SHAPES_FILE, format="turtle")
    return sorted(str(s).rsplit("#", 1)[-1] for s in shapes.subjects(RDF.type, SH.NodeShape))


def test_curated_graph_is_valid(base_report):
    assert base_report.violations == [], "\n".join(map(str, base_report.violations))
    assert base_report.triples > 1000


def test_every_shape_and_qc_check_has_a_failing_fixture():
    assert sorted(p.stem for p in (FIXTURES / "shacl").glob("*.ttl")) == shape_names()
    qc_rules = sorted(p.name.removesuffix("-violation.rq") for p in qc_queries())
    assert sorted(p.stem for p in (FIXTURES / "qc").glob("*.ttl")) == qc_rules
    assert len(qc_rules) >= 10


def test_every_python_rule_has_a_failing_fixture():
    provoked_elsewhere = {"seed-hash", "seed-unlisted"}  # test_seed_hash_mismatch_and_unlisted_seed_are_reported
    fixtures = sorted(p.stem for p in (FIXTURES / "provenance").glob("*.ttl"))
    assert fixtures == sorted(set(PROVENANCE_RULES) - provoked_elsewhere)


@pytest.mark.parametrize("before, printed, after, expected", [
    ("职网格员", "1.4万余名", ",推行以", {"MoreThan"}),
    ("共", "20", "多万元", {"MoreThan"}),          # 多 directly after the number, outside the printed value
    ("遇涨幅达", "80%以上", "，有效激", {"AtLeast"}),
    ("覆盖", "300户", "以上居民", {"AtLeast"}),
    ("至少召开", "1次", "联席会议", {"AtLeast"}),   # a verb may stand between 至少 and the number
    ("社区建设", "不低于300平方米", "的党群服", {"AtLeast"}),
    ("累计投入", "约2000万元", "，全区2", {"Approximately"}),
    ("积极探索", "50—100户左右", "的“微网", {"Approximately"}),
    ("有", "近50个", "社区", {"Approximately"}),
    ("服务", "15分钟", "以内的", {"AtMost"}),
    ("人数", "不超过300人", "", {"AtMost"}),       # not MoreThan: 不超过 is read whole
    ("覆盖居民", "300—500户", "标准，动", {"Exactly"}),
    ("建成", "3个", "多网合一", {"Exactly"}),        # 多 of 多网合一 is not attached to the number
    ("完成", "5项", "。以上工", {"Exactly"}),        # 以上 'the above' after a full stop
    ("做好以下", "3项", "工作", {"Exactly"}),        # 以下 'the following' before the number
    ("近年来", "5个", "社区", {"Exactly"}),
    ("最近", "3年", "来，", {"Exactly"}),
    ("每周发布", "一次", "“逢六上", {"Exactly"}),
    ("及家属，", "三分之一", "的建成区", {"Exactly", "Approximately"}),  # a fraction stored as a rounded decimal
])
def test_qualifier_reading(before, printed, after, expected):
    assert expected_qualifiers(before, printed, after) == expected


@pytest.mark.parametrize("fixture", sorted((FIXTURES / "shacl").glob("*.ttl")) + sorted((FIXTURES / "qc").glob("*.ttl"))
                         + sorted((FIXTURES / "provenance").glob("*.ttl")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_fails_with_its_rule_on_its_node(fixture):
    report = validate(extra=[fixture], check_formatting=False)
    mine = fixture_iris(fixture)
    hits = [v for v in report.violations if v.rule == fixture.stem and v.node in mine]
    assert hits, f"{fixture.stem} did not fire on {fixture}; got:\n" + "\n".join(map(str, report.violations))
    assert all(v.message for v in hits)


def test_cli_exit_codes(capsys):
    assert main(["validate"]) == 0
    assert "ok:" in capsys.readouterr().out
    bad = FIXTURES / "qc" / "dangling-reference.ttl"
    assert main(["validate", "--add", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "[qc:dangling-reference]" in out and "street-lane-chef" in out


def test_seed_hash_mismatch_and_unlisted_seed_are_reported(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    victim = sorted(seeds.glob("*.txt"))[0]
    victim.write_bytes(victim.read_bytes() + b" ")
    (seeds / "009_ffffffffffffffff.txt").write_text("extra", encoding="utf-8")
    found = check_provenance(build_store(), seeds_dir=seeds)
    rules = {(v.rule, v.node.rsplit("/", 1)[-1]) for v in found}
    assert ("seed-hash", victim.stem) in rules
    assert ("seed-unlisted", "009_ffffffffffffffff") in rules


def test_non_canonical_file_is_reported(tmp_path):
    path = tmp_path / "messy.ttl"
    path.write_text('@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
                    '<https://w3id.org/zhili/id/locality/x>   rdfs:label "x"@en .\n', encoding="utf-8")
    found = check_format([path])
    assert [v.rule for v in found] == ["canonical"]


def test_syntax_error_is_reported_not_raised(tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_text("this is not turtle", encoding="utf-8")
    found = check_format([path])
    assert found and found[0].check == "syntax"
