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


# ---------------------------------------------------------------- SELECT *: columns in pattern order
STAR = "SELECT * WHERE { ?s ?p ?o . FILTER(?p = <urn:p>) BIND(STRLEN(STR(?o)) AS ?len) OPTIONAL { ?s <urn:none> ?extra } } LIMIT 3"
PATTERN_ORDER = ["s", "p", "o", "len", "extra"]


def _columns(body: bytes, fmt: str) -> list[str]:
    """Column order as a reader of each format sees it."""
    text = body.decode()
    if fmt == "json":
        return json.loads(text)["head"]["vars"]
    if fmt == "xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        return [v.get("name") for v in ET.fromstring(text).find(ns + "head").findall(ns + "variable")]
    if fmt == "csv":
        return next(csv.reader(io.StringIO(text, newline="")))
    return [v[1:] for v in text.split("\n", 1)[0].split("\t")]


def test_star_order_reads_the_pattern_not_strings_comments_or_filters():
    from api.sparql.results import star_order

    assert star_order(STAR) == ("s", "p", "o", "len", "extra")
    assert star_order('SELECT DISTINCT * { ?b <urn:p> "?a", ?c # ?z\n FILTER(?q > 1) MINUS { ?b ?m ?n } ?d ?e ?b }') == \
        ("b", "c", "d", "e")
    assert star_order("select #c\n reduced\t* { { SELECT ?y ?x { ?x ?y ?w } } ?v <urn:p> ?x }") == ("y", "x", "w", "v")
    assert star_order("SELECT ?o ?s { ?s ?p ?o }") is None and star_order("ASK { ?s ?p ?o }") is None


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_select_star_columns_follow_the_pattern_embedded(tricky, fmt):
    """pyoxigraph itself answers SELECT * with its variables sorted by name; the worker path writes them in
    pattern order, in every format, with the values in the right columns."""
    from api.sparql.pool import QueryJob, evaluate
    from api.sparql.results import star_order

    assert [v.value for v in tricky.query(STAR).variables] != PATTERN_ORDER  # what the engine alone does
    outcome = evaluate(tricky, QueryJob(STAR, "SELECT", fmt, order=star_order(STAR)))
    assert outcome.ok and outcome.rows == 3 and _columns(outcome.body, fmt) == PATTERN_ORDER
    if fmt == "csv":
        for row in csv.DictReader(io.StringIO(outcome.body.decode(), newline="")):
            assert row["s"].startswith("urn:s") and row["p"] == "urn:p" and int(row["len"]) == len(row["o"])
    capped = evaluate(tricky, QueryJob(STAR, "SELECT", fmt, max_rows=2, order=star_order(STAR)))
    assert capped.rows == 2 and capped.truncated and _columns(capped.body, fmt) == PATTERN_ORDER
    explicit = evaluate(tricky, QueryJob("SELECT ?o ?s WHERE { ?s ?p ?o } LIMIT 1", "SELECT", fmt))
    assert _columns(explicit.body, fmt) == ["o", "s"]  # an explicit projection keeps its own order


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_select_star_columns_follow_the_pattern_remote(fmt):
    """Remote mode re-writes the store's SPARQL JSON answer (api/service.py remote_query): whatever order the
    store's head lists, the columns follow the pattern."""
    from api.sparql.results import star_order

    answer = json.dumps({"head": {"vars": ["o", "extra", "len", "p", "s"]}, "results": {"bindings": [
        {"s": {"type": "uri", "value": "urn:s"}, "p": {"type": "uri", "value": "urn:p"},
         "o": {"type": "literal", "value": "值"}, "len": {"type": "literal", "value": "1",
                                                        "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}})
    result = ox.parse_query_results(answer.encode(), format=ox.QueryResultsFormat.JSON)
    written = write_solutions(result, fmt, 100, 10**6, star_order(STAR))
    assert _columns(written.body, fmt) == PATTERN_ORDER and written.rows == 1
