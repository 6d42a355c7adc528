"""Every term we mint is labelled in zh and en and defined; the JSON-LD context works; the mechanism
scheme passes the SKOS checks on its own; the unit table of the QC query is kg/units.py's."""

from __future__ import annotations

import json
import re

from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.fmt import canonical_text
from kg.namespaces import ZL
from kg.paths import CONTEXT_FILE, ONTOLOGY_FILE, QC_DIR, SCHEME_FILE
from kg.store import build_store, select
from kg.units import MEASUREMENT_UNITS


def test_every_minted_class_and_property_has_labels_and_definition():
    g = Graph().parse(ONTOLOGY_FILE, format="turtle")
    terms = {s for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty) for s in g.subjects(RDF.type, t)}
    assert len(terms) >= 40
    for term in terms:
        assert str(term).startswith(str(ZL)), term
        langs = {l.language for l in g.objects(term, RDFS.label)}
        assert {"zh", "en"} <= langs, term
        assert g.value(term, SKOS.definition), term


def test_jsonld_context_compacts_our_terms():
    context = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    doc = {"@context": context["@context"], "@id": "loc:x", "@type": "Locality", "label": {"zh": "某", "en": "X"},
           "province": "loc:gansu"}
    g = Graph().parse(data=json.dumps(doc), format="json-ld")
    assert (None, RDFS.label, Literal("某", lang="zh")) in g
    assert (None, ZL.province, None) in g


def test_mechanism_scheme_passes_the_skos_checks_on_its_own():
    """The skos-* QC rules over the ontology and the scheme alone (no locality data, no proposals)."""
    store = build_store([ONTOLOGY_FILE, SCHEME_FILE])
    failures = []
    for path in sorted(QC_DIR.glob("skos-*-violation.rq")):
        failures += [f"{path.name}: {row['node']}: {row['message']}" for row in select(store, path.read_text(encoding="utf-8"))]
    assert failures == []


def test_every_concept_of_the_scheme_is_defined_in_zh_and_en():
    g = Graph().parse(SCHEME_FILE, format="turtle")
    concepts = set(g.subjects(RDF.type, ZL.Mechanism)) | set(g.subjects(RDF.type, ZL.MechanismCategory))
    assert len(concepts) > 100
    for concept in concepts:
        langs = sorted(d.language for d in g.objects(concept, SKOS.definition))
        assert langs == ["en", "zh"], concept
        for note in g.objects(concept, SKOS.scopeNote):
            assert note.language in ("zh", "en"), concept
        notes = sorted(n.language for n in g.objects(concept, SKOS.scopeNote))
        assert notes in ([], ["en", "zh"]), f"{concept}: scope notes come in zh and en pairs"


def test_scheme_file_is_canonical():
    text, errors = canonical_text(SCHEME_FILE, expand=False)
    assert errors == [] and text == SCHEME_FILE.read_text(encoding="utf-8"), "run kg fmt ontology/mechanisms.ttl"


def test_unit_labels_query_uses_the_units_table():
    query = (QC_DIR / "unit-label-inconsistent-violation.rq").read_text(encoding="utf-8")
    pairs = dict(re.findall(r'\(\s*"([^"]+)"\s+"([^"]+)"\s*\)', query))
    assert pairs == MEASUREMENT_UNITS
