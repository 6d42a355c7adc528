"""Curated Turtle is kept in one canonical serialization; the writer is deterministic."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS, XSD

from kg.dataset import curated_files
from kg.fmt import canonical_text
from kg.turtle import CanonicalError, serialize


EXTERNAL_LABELS = Path(__file__).parents[1] / "ontology" / "external-labels.ttl"  # read by the app, not in the dataset


@pytest.mark.parametrize("path", [*curated_files(), EXTERNAL_LABELS], ids=lambda p: p.name)
def test_curated_file_is_canonical_and_round_trips(path):
    text, errors = canonical_text(path, expand=False)
    assert not errors
    assert text == path.read_text(encoding="utf-8"), f"{path} is not canonical: run kg fmt"
    assert isomorphic(Graph().parse(data=text, format="turtle"), Graph().parse(path, format="turtle"))


def test_serializer_is_deterministic_and_escapes():
    g = Graph()
    s = URIRef("https://w3id.org/zhili/id/locality/x")
    g.add((s, RDFS.label, Literal('quote " and \\ and\nnewline', lang="en")))
    g.add((s, RDFS.label, Literal("某", lang="zh")))
    g.add((s, RDFS.comment, Literal("5", datatype=XSD.integer)))
    first = serialize(g)
    g2 = Graph().parse(data=first, format="turtle")
    assert isomorphic(g, g2)
    assert serialize(g2) == first
    assert first.index('"某"@zh') < first.index("@en")


def test_blank_nodes_are_refused():
    g = Graph()
    g.add((BNode(), RDFS.label, Literal("x")))
    with pytest.raises(CanonicalError):
        serialize(g)


def test_rdf_type_as_subject_or_object_is_written_out():
    """`a` is Turtle only as a predicate; a label file describing rdf:type itself must still parse."""
    from rdflib import RDF, RDFS, Graph, Literal

    from kg.turtle import serialize

    g = Graph()
    g.add((RDF.type, RDFS.label, Literal("type", lang="en")))
    g.add((RDFS.label, RDFS.seeAlso, RDF.type))
    text = serialize(g)
    assert "rdf:type rdfs:label" in text and "rdfs:seeAlso rdf:type" in text
    assert Graph().parse(data=text, format="turtle").isomorphic(g)


def test_a_span_quoted_in_two_files_is_stated_once(tmp_path):
    """kg fmt keeps an annotation's triples in the first file that states them; a later file quoting the
    same span keeps only its own oa:hasBody (else a union default graph repeats rows: qc triple-in-two-files)."""
    from rdflib import Namespace

    from kg.fmt import drop_evidence_stated_earlier
    from kg.paths import DATA

    ev, oa = Namespace("https://w3id.org/zhili/id/evidence/"), Namespace("http://www.w3.org/ns/oa#")
    first = DATA / "localities" / "jinyuan.ttl"
    stated = Graph().parse(first, format="turtle")
    later = Graph()
    for s in (ev["s002-02232-02254"], ev["s002-02232-02254-target"], ev["s002-02232-02254-quote"]):
        for p, o in stated.predicate_objects(s):
            later.add((s, p, o))
    own = (ev["s002-02232-02254"], oa.hasBody, URIRef("https://w3id.org/zhili/id/note/later-file-note"))
    later.add(own)
    assert len(later) > 5
    path = tmp_path / "later.ttl"
    drop_evidence_stated_earlier(later, path, files=[first, path])
    assert set(later) == {own}
