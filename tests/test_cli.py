"""The `kg` console script, driven as a user would (installed entry point, subprocess)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from kg.store import select

KG = shutil.which("kg", path=str(Path(sys.executable).parent)) or "kg"
LOCALITIES = {"jinchang", "lanzhou", "jinyuan", "zhushan", "tonghua-county", "qingtongxia", "jiuquan"}


def kg(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([KG, *args], capture_output=True, timeout=300)
    if ok:
        assert result.returncode == 0, result.stderr.decode()
    return result


def test_stats_json_shows_all_seven_localities(store):
    stats = json.loads(kg("stats", "--json").stdout)
    assert set(stats["localities"]) == LOCALITIES
    totals = stats["totals"]
    assert totals["localities"] == 7 and totals["triples"] == len(store)
    for key, row in stats["localities"].items():
        assert row["adoptions"] >= 10 and row["figures"] >= 3, key
    assert totals["adoptions"] == sum(r["adoptions"] for r in stats["localities"].values())


def test_query_outputs_table_csv_json():
    q = "SELECT ?en WHERE { ?l a zl:Locality ; rdfs:label ?en FILTER(LANG(?en) = 'en') } ORDER BY ?en"
    table = kg("query", q).stdout.decode()
    assert "Jinchang" in table and "(7 rows)" in table
    rows = list(csv.reader(io.StringIO(kg("query", q, "--format", "csv").stdout.decode())))
    assert rows[0] == ["en"] and len(rows) == 8
    data = json.loads(kg("query", q, "--format", "json").stdout)
    assert len(data["results"]["bindings"]) == 7


def test_query_from_file_and_syntax_error(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("ASK { ?s a zl:Locality }", encoding="utf-8")
    assert kg("query", "--file", str(path)).stdout.decode().strip() == "True"
    bad = kg("query", "SELECT WHERE {", ok=False)
    assert bad.returncode == 2 and b"syntax error" in bad.stderr


def test_compare_by_zh_and_en_names():
    out = json.loads(kg("compare", "通化县", "Qingtongxia", "--json").stdout)
    assert [l["en"] for l in out["localities"]] == ["Tonghua County", "Qingtongxia"]
    assert out["same_concept"], "these two share mechanisms (e.g. red property management)"
    assert "red property management" in {r["concept"]["en"] for r in out["same_concept"]}
    text = kg("compare", "金昌市", "兰州市").stdout.decode()
    assert "Same concept in all 2" in text and "Jaccard at practice level" in text and "https://" not in text


def test_compare_unknown_locality_is_a_clear_error():
    result = kg("compare", "金昌市", "Atlantis", ok=False)
    assert result.returncode == 2 and b"Atlantis" in result.stderr and b"known localities" in result.stderr


@pytest.mark.parametrize("fmt", ["turtle", "nquads", "jsonld", "csv"])
def test_export_formats_parse_and_are_complete(fmt, store, tmp_path):
    out = tmp_path / f"export.{fmt}"
    kg("export", "--format", fmt, "-o", str(out))
    if fmt == "turtle":
        assert len(Graph().parse(out, format="turtle")) == len({(q.subject, q.predicate, q.object) for q in store})
    elif fmt == "nquads":
        ds = Dataset()
        ds.parse(out, format="nquads")
        assert len(list(ds.quads())) == len(store)
    elif fmt == "jsonld":
        assert len(Graph().parse(out, format="json-ld")) == len({(q.subject, q.predicate, q.object) for q in store})
    else:
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))  # BOM: Excel reads it as UTF-8
        adoptions = select(store, "SELECT (COUNT(?a) AS ?n) WHERE { ?a a zl:Adoption }")[0]["n"]
        assert len(rows) == adoptions
        assert all(r["quote"] and r["local_name"] and r["sources"] for r in rows)


def test_build_persists_an_on_disk_store(tmp_path, store):
    import pyoxigraph as ox

    location = tmp_path / "store"
    out = kg("build", "--location", str(location)).stdout.decode()
    assert "built" in out
    disk = ox.Store.read_only(str(location))
    assert len(disk) == len(store)
    graphs = {g.value for g in disk.named_graphs()}
    assert "https://w3id.org/zhili/graph/localities/jinchang" in graphs and "https://w3id.org/zhili/graph/mechanisms" in graphs
