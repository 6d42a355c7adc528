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
from kg.validate import check_format, check_provenance, qc_queries, validate

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
