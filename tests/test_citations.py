"""Citations: every format parses with a real reader, carries what the manifest records (and nothing it does
not), the fact's offsets and IRI, the dataset version; the pages' cite controls and CITATION.cff and the DCAT
release description hold up."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib import namespace as rdfns

from api.catalog import Catalog
from api.citation import DATASET_AUTHOR, reference, render
from api.repository import EmbeddedRepository
from kg.export import dataset_version
from kg.seeds import load_seeds

pytestmark = pytest.mark.parametrize("live", ["embedded"], indirect=True)

ROOT = Path(__file__).resolve().parent.parent
ZL = Namespace("https://w3id.org/zhili/ontology#")
# citation-style-language/schema, schemas/input/csl-data.json (CSL 1.0.2 input data), vendored as a fixture
CSL = jsonschema.Draft7Validator(json.loads((ROOT / "tests/fixtures/csl-data.schema.json").read_text(encoding="utf-8")))
CHECKSUM = "ab" * 32


@pytest.fixture(scope="module")
def catalog(store):
    return Catalog(EmbeddedRepository(store))


@pytest.fixture(scope="module")
def manifest():
    """seeds/manifest.ttl read on its own (not through the catalog): file name -> headlines, bylines."""
    DCTERMS, RDF = rdfns.DCTERMS, rdfns.RDF  # noqa: N806 (module-level DefinedNamespaces trip pytest's collector)
    g = Graph().parse(ROOT / "seeds/manifest.ttl")
    out = {}
    for s in g.subjects(RDF.type, ZL.SourceDocument):
        out[str(g.value(s, DCTERMS.identifier))] = {"headlines": {str(h) for h in g.objects(s, ZL.headline)},
                                                    "bylines": {str(b) for b in g.objects(s, ZL.byline)}, "iri": str(s)}
    return out


def citable(catalog) -> list[str]:
    """Every adoption, figure, tier chain, locality, policy document and source."""
    return [*catalog.adoptions, *catalog.figures, *catalog.chains, *catalog.localities, *catalog.documents,
            *catalog.sources]


def fact_spans(catalog, iri: str) -> list[tuple[str, int, int]]:
    entity = catalog.entity(iri)
    evidence = list(entity.evidence)
    if iri in catalog.chains:
        evidence = list(dict.fromkeys(evidence + [e for t in entity.tiers for e in t.evidence]))
    if iri in catalog.sources:
        return []
    return [(catalog.evidence[e].source + ".txt", catalog.evidence[e].start, catalog.evidence[e].end) for e in evidence]


def test_every_format_parses_and_carries_iri_version_and_offsets(catalog, live):
    texts = {s.identifier: s.text for s in load_seeds()}
    for iri in citable(catalog):
        for lang in ("en", "zh"):
            ref = reference(catalog, iri, dataset_version(), CHECKSUM)
            spans = fact_spans(catalog, iri)
            assert [(s.file, s.start, s.end) for s in ref.spans] == spans
            assert all(texts[s.file][s.start:s.end] == s.quote for s in ref.spans)

            library = bibtexparser.parse_string(render(ref, "bibtex", lang))
            assert not library.failed_blocks and len(library.entries) == 1, iri
            entry = library.entries[0]
            assert entry.entry_type == "misc" and entry["url"] == iri and entry["version"] == dataset_version()
            assert CHECKSUM in entry["addendum"]

            items = json.loads(render(ref, "csl-json", lang))
            CSL.validate(items)
            item = items[0]
            assert item["URL"] == iri and item["version"] == dataset_version() and item["custom"]["checksum"] == CHECKSUM
            assert [(s["file"], s["start"], s["end"]) for s in item["custom"]["spans"]] == spans
            for file, start, end in spans:
                assert f"{file} [{start}–{end}]" in item["note"]

            records = rispy.loads(render(ref, "ris", lang))
            assert len(records) == 1, iri
            record = records[0]
            assert record["type_of_reference"] in ("DATA", "GEN") and record["urls"] == [iri]
            assert record["edition"] == dataset_version()

            text = render(ref, "text", lang)
            assert iri in text and dataset_version() in text and CHECKSUM[:16] in text


def test_ris_tag_structure(catalog, live):
    ris = render(reference(catalog, next(iter(catalog.adoptions)), "1.0.0"), "ris", "zh")
    lines = ris.split("\r\n")
    assert lines[0].startswith("TY  - ") and lines[-2] == "ER  -" and lines[-1] == ""
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines[:-2])


def test_values_equal_the_manifest_and_nothing_is_invented(catalog, manifest, live):
    for src in catalog.sources.values():
        record = manifest[src.identifier]
        ref = reference(catalog, src.iri, "1.0.0")
        assert set(ref.authors) == record["bylines"]  # 003 prints none: no author at all
        item = json.loads(render(ref, "csl-json"))[0]
        if len(record["headlines"]) == 1:
            assert item["title"] in record["headlines"]
        assert [a["literal"] for a in item.get("author", [])] == sorted(record["bylines"], key=ref.authors.index)
        for absent in ("issued", "publisher", "container-title", "DOI", "page"):
            assert absent not in item  # the manifest records no date, publisher, periodical or page
        bib = bibtexparser.parse_string(render(ref, "bibtex")).entries[0]
        assert "year" not in bib.fields_dict and "publisher" not in bib.fields_dict and "journal" not in bib.fields_dict
    for iri in [*catalog.adoptions, *catalog.figures, *catalog.chains]:
        ref = reference(catalog, iri, "1.0.0")
        assert ref.authors == [DATASET_AUTHOR] and ref.works
        for work in ref.works:  # the article each span sits in, as the manifest prints it
            assert work.headline in manifest[work.file]["headlines"]
            assert work.byline is None or work.byline in manifest[work.file]["bylines"]
    no_byline = reference(catalog, manifest["003_da93d6bd2f2dd18f.txt"]["iri"], "1.0.0")
    assert "AU  -" not in render(no_byline, "ris") and "author" not in bibtexparser.parse_string(
        render(no_byline, "bibtex")).entries[0].fields_dict


def test_cite_endpoint(http, catalog, live):
    iri = next(iter(catalog.adoptions))
    version = http.get("/api/stats").json()["checksum"]
    types = {"text": "text/plain; charset=utf-8", "bibtex": "application/x-bibtex; charset=utf-8",
             "csl-json": "application/vnd.citationstyles.csl+json", "ris": "application/x-research-info-systems"}
    for fmt, media in types.items():
        r = http.get("/api/cite", params={"iri": iri, "format": fmt})
        assert r.status_code == 200 and r.headers["content-type"] == media and version[:16] in r.text
    assert http.get("/api/cite", params={"iri": "https://w3id.org/zhili/id/adoption/atlantis"}).status_code == 404
    assert http.get("/api/cite", params={"iri": "not an iri"}).status_code == 404
    assert http.get("/api/cite", params={"iri": iri, "format": "mla"}).status_code == 422
    assert http.get("/api/cite", params={"iri": iri, "lang": "fr"}).status_code == 422
    assert http.get("/api/cite").status_code == 422


@pytest.mark.parametrize("path,kind", [("/localities/jinchang", "locality"), ("/mechanisms/big-working-committee", "adoption"),
                                       ("/documents/central-opinion-urban-party-building", "document"),
                                       ("/sources/003_da93d6bd2f2dd18f", "source")])
def test_cite_control_on_each_page_kind(http, path, kind, live):
    for lang in ("en", "zh"):
        page = http.get(path, params={"lang": lang}, headers={"Accept": "text/html"}).text
        controls = re.findall(r'<details class="cite".*?</details>', page, re.S)
        assert controls, path
        links = [unescape(h) for h in re.findall(r'href="(/api/cite\?[^"]+)"', controls[0])]
        assert len(links) == 3 and f"%2Fid%2F{kind}%2F".lower() in links[0].lower().replace("/", "%2f")
        for link in links:
            r = http.get(link)
            assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        assert ("引用" if lang == "zh" else "Cite") in controls[0]


def test_citation_cff_validates(live):
    checker = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run([str(checker), "--builtin-schema", "vendor.citation-file-format", str(ROOT / "CITATION.cff")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f"version: {dataset_version()}" in cff and f"name: {DATASET_AUTHOR}" in cff


def test_dcat_release_description(http, live):
    DCAT, DCTERMS, OWL, RDF = rdfns.DCAT, rdfns.DCTERMS, rdfns.OWL, rdfns.RDF  # noqa: N806
    g = Graph().parse(data=http.get("/sparql", headers={"Accept": "text/turtle"}).text, format="turtle")
    dataset = URIRef("https://w3id.org/zhili/dataset")
    assert g.value(dataset, OWL.versionInfo) == Literal(dataset_version())
    release = g.value(dataset, DCTERMS.hasVersion)
    assert str(g.value(release, DCTERMS.identifier)) == http.get("/api/stats").json()["checksum"]
    assert (dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in g
    downloads = {str(g.value(d, DCAT.downloadURL)): str(g.value(d, DCAT.mediaType)) for d in g.objects(dataset, DCAT.distribution)}
    assert any(u.endswith("/api/export/tables.zip") and m.endswith("application/zip") for u, m in downloads.items())
    assert any(u.endswith("/api/export/adoptions.csv") and m.endswith("text/csv") for u, m in downloads.items())
    for url in downloads:
        assert (URIRef(url), RDF.type, DCAT.Distribution) in g
        assert http.get(url[url.index("/api/"):]).status_code == 200
