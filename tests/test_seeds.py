"""Seeds are the shared sources byte for byte, and the manifest describes each one."""

from __future__ import annotations

import hashlib

import pytest

from kg.paths import ROOT, SEEDS
from kg.store import select

SHARED = ROOT.parent / "shared" / "sources"


def test_manifest_lists_every_seed_with_its_hash(store):
    rows = select(store, "SELECT ?id ?sha ?lang WHERE { ?s a zl:SourceDocument ; dcterms:identifier ?id ; zl:sha256 ?sha ; dcterms:language ?lang }")
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SEEDS.glob("*.txt")}
    assert {r["id"]: r["sha"] for r in rows} == files
    assert {r["lang"] for r in rows} == {"zh"}
    assert len(files) == 5


def test_manifest_covers_all_seven_localities(store):
    rows = select(store, "SELECT ?id (COUNT(?loc) AS ?n) WHERE { ?s dcterms:identifier ?id ; zl:covers ?loc } GROUP BY ?id")
    assert sum(r["n"] for r in rows) == 7
    assert {r["id"][:3]: r["n"] for r in rows}["002"] == 3


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/sources is not beside this clone")
def test_seeds_are_byte_identical_to_shared_sources():
    for path in SHARED.glob("*.txt"):
        assert (SEEDS / path.name).read_bytes() == path.read_bytes()
