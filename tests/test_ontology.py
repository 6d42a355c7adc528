"""Every term we mint is labelled in zh and en and defined; the JSON-LD context works."""

from __future__ import annotations

import json

from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.namespaces import ZL
from kg.paths import CONTEXT_FILE, ONTOLOGY_FILE


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
