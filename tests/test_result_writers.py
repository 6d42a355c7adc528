"""The SPARQL result writers stop at the row and byte caps and still write well-formed results."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
from rdflib import Graph

from api.sparql.results import write_solutions, write_triples


@pytest.fixture(scope="module")
def data():
    store = ox.Store()
    for i in range(500):
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(f"值 {i} \"q\", x", language="zh")))
    return store


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_row_cap(data, fmt):
    written = write_solutions(data.query("SELECT ?s ?o WHERE { ?s ?p ?o }"), fmt, max_rows=10, max_bytes=10**6)
    assert written.rows == 10 and "row limit" in written.truncated
    text = written.body.decode()
    if fmt == "json":
        assert len(json.loads(text)["results"]["bindings"]) == 10
    elif fmt == "xml":
        assert len(ET.fromstring(text).findall(".//{http://www.w3.org/2005/sparql-results#}result")) == 10
    elif fmt == "csv":
        assert len(list(csv.reader(io.StringIO(text)))) == 11
    else:
        assert len(text.splitlines()) == 11


def test_byte_cap_keeps_json_valid(data):
    written = write_solutions(data.query("SELECT ?s ?o WHERE { ?s ?p ?o }"), "json", max_rows=10**6, max_bytes=2000)
    assert len(written.body) <= 2000 and "size limit" in written.truncated
    assert len(json.loads(written.body)["results"]["bindings"]) == written.rows > 0


def test_no_cap_no_signal(data):
    written = write_solutions(data.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"), "json", 10, 10**6)
    assert written.truncated is None and written.rows == 3


def test_triples_caps(data):
    written = write_triples(data.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), "turtle", max_rows=20, max_bytes=10**6)
    assert len(Graph().parse(data=written.body.decode(), format="turtle")) == 20 and written.truncated
    small = write_triples(data.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), "ntriples", max_rows=10**6, max_bytes=3000)
    assert len(small.body) <= 3000 and "size limit" in small.truncated
