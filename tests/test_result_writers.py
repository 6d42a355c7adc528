"""The SPARQL result writers stop at the row and byte caps and still write well-formed results."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
from rdflib import Graph

from api.sparql.results import count_rows, write_solutions, write_solutions_native, write_triples


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


TRICKY = ["plain", "line\nbreak", "cr\r\nlf", 'quote " and, comma', "<result>not a tag</result>", "tab\there", "值 \"q\", x"]


@pytest.fixture(scope="module")
def tricky():
    store = ox.Store()
    for i, text in enumerate(TRICKY * 20):
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(text)))
    store.add(ox.Quad(ox.NamedNode("urn:unbound"), ox.NamedNode("urn:q"), ox.NamedNode("urn:o")))
    return store


def _parsed_rows(body: bytes, fmt: str) -> int:
    text = body.decode()
    if fmt == "json":
        return len(json.loads(text)["results"]["bindings"])
    if fmt == "xml":
        return len(ET.fromstring(text).findall(".//{http://www.w3.org/2005/sparql-results#}result"))
    if fmt == "csv":
        return len(list(csv.reader(io.StringIO(text, newline="")))) - 1
    return len(text.split("\n")) - 2  # header line, rows, trailing newline


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_native_writer_counts_rows_exactly(tricky, fmt):
    """Rows counted on pyoxigraph's own output equal the rows a real parser finds (newlines, quotes,
    commas and markup inside values; an OPTIONAL left unbound)."""
    query = "SELECT ?s ?o ?x WHERE { ?s ?p ?o OPTIONAL { ?s <urn:none> ?x } }"
    written = write_solutions_native(tricky.query(query), fmt, max_rows=10**6, max_bytes=10**7)
    expected = len(TRICKY) * 20 + 1
    assert written is not None and written.truncated is None
    assert written.rows == expected == _parsed_rows(written.body, fmt)
    assert count_rows(written.body, fmt) == expected


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_native_writer_declines_over_a_cap(tricky, fmt):
    """Over a cap the native writer returns None, so the worker re-runs the query through the cutting writer."""
    query = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    assert write_solutions_native(tricky.query(query), fmt, max_rows=5, max_bytes=10**7) is None
    assert write_solutions_native(tricky.query(query), fmt, max_rows=10**6, max_bytes=300) is None


def test_worker_evaluation_cuts_results_over_the_caps(tricky):
    """The whole worker path: native first, then the cutting writer when a cap is hit."""
    from api.sparql.pool import QueryJob, evaluate

    capped = evaluate(tricky, QueryJob("SELECT ?s ?o WHERE { ?s ?p ?o }", "SELECT", "json", max_rows=7))
    assert capped.ok and capped.rows == 7 and "row limit" in capped.truncated
    assert len(json.loads(capped.body)["results"]["bindings"]) == 7
    whole = evaluate(tricky, QueryJob("SELECT ?s ?o WHERE { ?s ?p ?o }", "SELECT", "csv"))
    assert whole.ok and whole.truncated is None and whole.rows == len(TRICKY) * 20 + 1
    broken = evaluate(tricky, QueryJob("SELECT ?s WHERE { ?s ?p }", "SELECT", "json"))
    assert not broken.ok and broken.status == 400 and "syntax" in broken.error.lower()
