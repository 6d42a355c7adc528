"""bench/synthetic.py: a small synthetic folder validates, is deterministic and stays apart from the real data."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from kg.namespaces import AD, DOC, EV, FIG, LOC, NOTE, OA, TIER, ZL
from kg.paths import LOCALITIES
from kg.validate import validate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import synthetic  # noqa: E402

N = 12  # 7 real + 5 synthetic, one from each of the first five models
REAL_IDS = sorted(p.stem for p in LOCALITIES.glob("*.ttl"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("synthetic") / "data"
    return out, synthetic.generate(N, out, seed=7)


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_folder_validates(folder):
    out, counts = folder
    report = validate(out)
    assert report.violations == []
    assert report.triples == counts["triples"]


def test_deterministic(folder, tmp_path):
    out, counts = folder
    again = synthetic.generate(N, tmp_path / "again", seed=7)
    assert _files(tmp_path / "again") == _files(out)
    assert {k: v for k, v in again.items() if k != "seconds"} == {k: v for k, v in counts.items() if k != "seconds"}
    other = synthetic.generate(N, tmp_path / "other", seed=8)
    assert _files(tmp_path / "other") != _files(out)
    assert other["localities"] == N


def test_localities_and_evidence(folder):
    out, counts = folder
    synth_files = sorted((out / "localities").glob("synth-*.ttl"))
    assert [p.stem for p in synth_files] == [f"synth-{i:04d}" for i in range(1, N - 7 + 1)]
    assert sorted(p.stem for p in (out / "localities").glob("*.ttl") if p not in synth_files) == REAL_IDS
    assert counts["localities"] == N and counts["synthetic_localities"] == N - 7
    for path in synth_files:
        graph = Graph().parse(path, format="turtle")
        loc = LOC[path.stem]
        assert set(graph.subjects(RDF.type, ZL.Locality)) == {loc}
        adoptions = set(graph.subjects(ZL.locality, loc)) & set(graph.subjects(RDF.type, ZL.Adoption))
        assert adoptions
        for adoption in adoptions:
            annotations = set(graph.subjects(OA.hasBody, adoption))
            assert annotations and all((a, RDF.type, OA.Annotation) in graph for a in annotations)
        # every fact of the file is about this locality
        assert set(graph.objects(None, ZL.locality)) == {loc}


def test_no_real_locality_iris(folder):
    out, _ = folder
    real = {str(LOC[i]) for i in REAL_IDS}
    own = tuple(str(ns[i + "-"]) for i in REAL_IDS for ns in (AD, FIG, TIER, DOC, NOTE))
    real_evidence = re.compile(re.escape(str(EV)) + r"s[0-9]{3}-")
    for path in sorted((out / "localities").glob("synth-*.ttl")):
        nodes = {str(n) for triple in Graph().parse(path, format="turtle") for n in triple}
        assert not nodes & real, path.name
        assert not [n for n in nodes if n.startswith(own) or real_evidence.match(n)], path.name
        # every node the file mints carries its own synth-NNNN (files never share a subject)
        for ns in (AD, FIG, TIER, DOC, NOTE, EV):
            assert all(n.startswith(str(ns[path.stem + "-"])) for n in nodes if n.startswith(str(ns))), (path.name, ns)
        assert {n for n in nodes if n.startswith(str(LOC)) and "synth-" in n} == {str(LOC[path.stem])}


def test_fast_writer_matches_serializer():
    """The template writer produces exactly what kg.turtle.serialize writes for the same graph."""
    models = synthetic.load_models()
    for number in range(1, 15):
        model = models[(number - 1) % len(models)]
        for fraction in (synthetic.DEFAULT_FRACTION, 1.0):
            selection = synthetic.select(model, number, 3, fraction)
            text, counts = synthetic.synthetic_text(model, selection, 3)
            assert text == synthetic.synthetic_text_slow(model, selection, 3)
            assert counts["triples"] == len(synthetic.synthetic_graph(model, selection))


def test_refuses_foreign_folder(tmp_path):
    (tmp_path / "keep.txt").write_text("not ours")
    with pytest.raises(ValueError):
        synthetic.generate(N, tmp_path)
    with pytest.raises(ValueError):
        synthetic.generate(6, tmp_path / "new")


def test_grouped_duplicate_label_query_matches_qc(tmp_path):
    """validate_sharded's linear duplicate-label query flags exactly what the QC query flags."""
    from kg.dataset import dataset_files
    from kg.paths import QC_DIR
    from kg.store import build_store, select

    extra = tmp_path / "dupes.ttl"
    extra.write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix zl: <https://w3id.org/zhili/ontology#> .\n"
        "@prefix loc: <https://w3id.org/zhili/id/locality/> .\n"
        "@prefix doc: <https://w3id.org/zhili/id/document/> .\n"
        'loc:x a zl:Locality ; rdfs:label "金昌市"@zh , "Elsewhere"@en .\n'
        'loc:y a zl:Locality ; rdfs:label "某地"@zh , "Elsewhere"@en , "Jinchang"@de .\n'
        'doc:x a zl:PolicyDocument ; rdfs:label "Elsewhere"@en .\n',
        encoding="utf-8",
    )
    store = build_store(dataset_files(extra=[extra]))
    qc = {row["node"] for row in select(store, (QC_DIR / "duplicate-label-violation.rq").read_text(encoding="utf-8"))}
    pairwise = {row["node"] for row in select(store, PAIRWISE_DUPLICATE_LABELS)}
    assert qc == pairwise == {str(LOC.jinchang), str(LOC.x), str(LOC.y)}


# The obvious form of the duplicate-label rule (quadratic); the QC file groups instead.
PAIRWISE_DUPLICATE_LABELS = """
SELECT DISTINCT ?node WHERE {
  VALUES ?class { zl:Mechanism zl:MechanismCategory zl:Locality zl:OrganisationType zl:PolicyDocument }
  VALUES ?p { skos:prefLabel rdfs:label }
  ?node a ?class ; ?p ?label .
  ?other a ?class ; ?p ?label2 .
  FILTER(?node != ?other && STR(?label) = STR(?label2) && LANG(?label) = LANG(?label2))
}"""


def test_validate_sharded_finds_cross_shard_and_in_shard_faults(folder, tmp_path):
    out, _ = folder
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    # a label that duplicates one in another shard (only the union pass can see it) ...
    five = broken / "localities" / "synth-0005.ttl"
    five.write_text(five.read_text(encoding="utf-8").replace("合成地区 0005", "合成地区 0001"), encoding="utf-8")
    # ... and an evidence quote that no longer matches the seed (seen inside its shard)
    three = broken / "localities" / "synth-0003.ttl"
    text = three.read_text(encoding="utf-8")
    exact = re.search(r'oa:exact "([^"]+)"', text).group(1)
    three.write_text(text.replace(f'oa:exact "{exact}"', f'oa:exact "{exact}X"', 1), encoding="utf-8")
    report = synthetic.validate_sharded(broken, shard_size=2)
    assert report["shards"] == 3
    found = {(v.rule, v.node) for v in report["violations"]}
    assert ("duplicate-label", str(LOC["synth-0001"])) in found
    assert ("duplicate-label", str(LOC["synth-0005"])) in found
    assert any(rule == "quote-mismatch" and "synth-0003" in node for rule, node in found)
    assert {v.rule for v in report["violations"]} == {"duplicate-label", "quote-mismatch"}
