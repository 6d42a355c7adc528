"""The tidy CSV exports load as they are in pandas and say what the graph says: row counts, quotes at their
offsets in the seed files, figures' values, non-empty sources, and a data dictionary that matches the headers."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pandas as pd
import pytest

from api.catalog import Catalog
from api.repository import EmbeddedRepository
from kg.export import BOM, COLUMNS, TABLE_NAMES, table_files
from kg.seeds import load_seeds
from kg.store import select

pytestmark = pytest.mark.parametrize("live", ["embedded"], indirect=True)

FACT_TABLES = ("adoptions", "figures", "tiers", "documents", "subplaces")


@pytest.fixture(scope="module")
def catalog(store):
    return Catalog(EmbeddedRepository(store))


@pytest.fixture(scope="module")
def files(store, catalog):
    return table_files(catalog, EmbeddedRepository(store), "0" * 64)


def frame(files, name: str) -> pd.DataFrame:
    """What a researcher gets from pd.read_csv(path) with nothing but dtype=str (no encoding given)."""
    return pd.read_csv(io.BytesIO(files[f"{name}.csv"]), dtype=str, keep_default_na=False)


def test_every_table_loads_in_pandas_with_its_header(files, live):
    for name in TABLE_NAMES:
        data = files[f"{name}.csv"]
        assert data.startswith(BOM.encode("utf-8")), "Excel needs the BOM to read UTF-8"
        df = frame(files, name)
        assert list(df.columns) == [c.name for c in COLUMNS[name]]  # the BOM is not glued to the first name


def test_row_counts_equal_the_catalog(files, catalog, live):
    counts = {"adoptions": len(catalog.adoptions), "figures": len(catalog.figures),
              "tiers": sum(len(c.tiers) for c in catalog.chains.values()), "documents": len(catalog.documents),
              "subplaces": len(catalog.sub_places), "localities": len(catalog.localities),
              "evidence": sum(len(e.bodies) for e in catalog.evidence.values())}
    for name, count in counts.items():
        assert len(frame(files, name)) == count > 0, name
    assert frame(files, "adoptions")["iri"].is_unique and frame(files, "figures")["iri"].is_unique


def test_quotes_equal_the_seed_text_at_their_offsets(files, live):
    texts = {s.identifier: s.text for s in load_seeds()}
    for name in (*FACT_TABLES, "evidence"):
        df = frame(files, name)
        for row in df.itertuples():
            assert texts[row.source_file][int(row.start):int(row.end)] == row.quote, (name, row)


def test_sources_never_empty_and_name_real_files(files, live):
    names = {s.identifier for s in load_seeds()}
    for name in FACT_TABLES:
        df = frame(files, name)
        assert (df["sources"] != "").all(), name
        assert all(set(cell.split()) <= names for cell in df["sources"])
        assert (df["article_iri"] != "").all(), name


def test_adoption_rows_carry_both_languages_and_the_practice(files, catalog, live):
    df = frame(files, "adoptions").set_index("iri")
    for a in catalog.adoptions.values():
        row = df.loc[a.iri]
        assert (row.local_name, row.gloss, row.details_zh, row.details_en) == (a.local_name, a.gloss, a.details.zh,
                                                                              a.details.en)
        assert row.locality_zh and row.locality_en and row.mechanism_zh and row.mechanism_en and row.category_en
        assert row.origin == ("restated" if a.restated else "local")
        assert int(row.evidence_count) == len(a.evidence)
    for row in frame(files, "localities").itertuples():  # GB/T 2260 codes, where the catalog has them
        assert row.locality_adcode == str(getattr(catalog.localities[row.locality_iri], "adcode", None) or "")


def test_figure_values_equal_the_graph(files, store, live):
    graph = {r["f"]: r for r in select(store, """SELECT ?f ?value ?printed ?scope WHERE { ?f a zl:Figure ;
        zl:printedValue ?printed . OPTIONAL { ?f schema:value ?value } OPTIONAL { ?f zl:countScope ?scope } }""")}
    df = frame(files, "figures")
    assert set(df["iri"]) == set(graph)
    for row in df.itertuples():
        expected = graph[row.iri]
        assert row.printed_value == expected["printed"]
        if expected["value"] is None:
            assert row.value == ""
        else:
            assert Decimal(row.value) == Decimal(str(expected["value"]))
        assert row.count_scope == (expected["scope"].rsplit("#", 1)[-1] if expected["scope"] else "")
    assert pd.to_numeric(df["value"].replace("", None)).notna().sum() > 100  # a numeric column, as declared


def test_datapackage_describes_every_column(files, live):
    package = json.loads(files["datapackage.json"])
    assert package["profile"] == "tabular-data-package" and package["version"] and package["licenses"]
    assert [r["name"] for r in package["resources"]] == list(TABLE_NAMES)
    for resource in package["resources"]:
        assert resource["path"] in files
        df = frame(files, resource["name"])
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == list(df.columns)
        for f in fields:
            assert f["type"] in {"string", "integer", "number"} and f["description"] and f["description_zh"]
            cells = df[f["name"]][df[f["name"]] != ""]
            if f["type"] == "integer":
                assert all(c.lstrip("-").isdigit() for c in cells), f["name"]
            elif f["type"] == "number":
                assert all(Decimal(c) is not None for c in cells), f["name"]


def test_served_exports_and_cli(files, http, tmp_path, live):
    from kg.cli import main

    archive = zipfile.ZipFile(io.BytesIO(http.get("/api/export/tables.zip").content))
    members = {n.split("/", 1)[1]: archive.read(n) for n in archive.namelist()}
    assert set(members) == set(files)
    for name in TABLE_NAMES:
        r = http.get(f"/api/export/{name}.csv")
        assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
        assert r.content == members[f"{name}.csv"]
        assert len(pd.read_csv(io.BytesIO(r.content), dtype=str)) == len(frame(files, name))
    assert http.get("/api/export", params={"format": "csv"}).content == members["adoptions.csv"]
    assert http.get("/api/export/datapackage.json").json()["resources"][0]["name"] == "adoptions"
    assert http.get("/api/export/nothing.csv").status_code == 404
    assert main(["export", "--tables", str(tmp_path)]) == 0
    for name in TABLE_NAMES:  # the same tables as the service (the CLI records its own checksum)
        assert (tmp_path / f"{name}.csv").read_bytes() == members[f"{name}.csv"]
