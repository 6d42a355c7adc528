"""The C-speed form decoder gives exactly what urllib's parse_qs gives, on any input."""

from __future__ import annotations

from urllib.parse import parse_qs, quote_plus, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.sparql.form import parse_form

PIECES = st.sampled_from(["%", "%2", "%zz", "%E7%BD%91", "%e6%a0%bc", "+", "=", "&", "&&", "a", "query", "\n", "\r\n",
                          "%3D", "%26", "%25", "%0A", "=3D", "_", " ", "网", "%C3%28", "x%", "%%41"])


def reference(body: bytes):
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return "error"


def ours(body: bytes):
    try:
        return parse_form(body)
    except UnicodeDecodeError:
        return "error"


@settings(max_examples=3000, derandomize=True, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_equals_parse_qs_on_awkward_bodies(text):
    body = text.encode("utf-8")
    assert ours(body) == reference(body)


@pytest.mark.parametrize("query", ["SELECT * WHERE { ?s ?p ?o }", "PREFIX zl: <https://w3id.org/zhili/ontology#>\n"
                                   "SELECT ?x WHERE { ?x rdfs:label \"网格 = 100% & more\"@zh } # a+b=c", ""])
def test_round_trips_real_queries(query):
    body = urlencode({"query": query, "format": "json", "default-graph-uri": "urn:x"}, quote_via=quote_plus).encode()
    assert parse_form(body) == {"query": [query], "format": ["json"], "default-graph-uri": ["urn:x"]} or query == ""
    assert parse_form(body) == reference(body)
