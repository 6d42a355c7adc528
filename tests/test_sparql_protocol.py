"""/sparql speaks the SPARQL 1.1 Protocol: every request form, every format, real clients."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import Namespace

COUNT_LOCALITIES = "SELECT (COUNT(?l) AS ?n) WHERE { ?l a zl:Locality }"
NAMES = ("PREFIX zl: <https://w3id.org/zhili/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
         "SELECT ?l ?en WHERE { ?l a zl:Locality ; rdfs:label ?en FILTER(LANG(?en) = 'en') } ORDER BY ?en")
CONSTRUCT = "CONSTRUCT { ?l rdfs:label ?n } WHERE { ?l a zl:Locality ; rdfs:label ?n }"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")


def count(response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_get_post_form_and_post_direct_agree(http):
    get = http.get("/sparql", params={"query": COUNT_LOCALITIES})
    form = http.post("/sparql", data={"query": COUNT_LOCALITIES})
    direct = http.post("/sparql", content=COUNT_LOCALITIES.encode(), headers={"Content-Type": "application/sparql-query"})
    assert count(get) == count(form) == count(direct) == 7
    assert get.headers["content-type"].startswith("application/sparql-results+json")


@pytest.mark.parametrize("accept,media,check", [
    ("application/sparql-results+json", "application/sparql-results+json", lambda t: len(json.loads(t)["results"]["bindings"]) == 7),
    ("application/sparql-results+xml", "application/sparql-results+xml",
     lambda t: len(ET.fromstring(t).findall(".//{http://www.w3.org/2005/sparql-results#}result")) == 7),
    ("text/csv", "text/csv", lambda t: len(list(csv.reader(io.StringIO(t)))) == 8),
    ("text/tab-separated-values", "text/tab-separated-values", lambda t: t.splitlines()[0] == "?l\t?en" and len(t.splitlines()) == 8),
])
def test_select_formats_by_accept(http, accept, media, check):
    r = http.get("/sparql", params={"query": NAMES}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert check(r.text)


def test_accept_q_values_pick_the_preferred_format(http):
    r = http.get("/sparql", params={"query": NAMES},
                 headers={"Accept": "application/sparql-results+json;q=0.5, text/csv;q=0.9, */*;q=0.1"})
    assert r.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("fmt,media", [("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
                                       ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_format_parameter(http, fmt, media):
    r = http.get("/sparql", params={"query": NAMES, "format": fmt}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)


@pytest.mark.parametrize("accept,rdflib_format", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                                  ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")])
def test_construct_formats(http, accept, rdflib_format):
    r = http.post("/sparql", data={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    graph = Graph().parse(data=r.text, format=rdflib_format)
    assert len(graph) == 14


def test_ask_and_describe(http):
    r = http.get("/sparql", params={"query": "ASK { loc:jinchang a zl:Locality }"})
    assert r.json()["boolean"] is True
    r = http.get("/sparql", params={"query": "DESCRIBE loc:jinchang"}, headers={"Accept": "text/turtle"})
    assert (URIRef("https://w3id.org/zhili/id/locality/jinchang"), None, None) in Graph().parse(data=r.text, format="turtle")


def test_unsatisfiable_accept_is_406(http):
    r = http.get("/sparql", params={"query": NAMES}, headers={"Accept": "image/png"})
    assert r.status_code == 406 and "available" in r.text
    r = http.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406


def test_default_and_named_graph_uri(http):
    g = "https://w3id.org/zhili/graph/localities/jinchang"
    only = count(http.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "default-graph-uri": g}))
    everything = count(http.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}))
    assert 0 < only < everything
    named = http.post("/sparql", data={"query": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                                       "named-graph-uri": [g, "https://w3id.org/zhili/graph/mechanisms"]})
    assert count(named) == 2


def test_service_description_for_rdf_clients(http, store):
    r = http.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.text, format="turtle")
    service = next(g.subjects(predicate=None, object=SD.Service))
    assert (service, SD.endpoint, None) in g
    triples = [int(o) for o in g.objects(None, VOID.triples)]
    assert len(store) in triples
    assert any(True for _ in g.objects(None, VOID.exampleResource))
    assert (None, URIRef("http://purl.org/dc/terms/license"), None) in g


def test_browsers_get_the_query_page(http):
    r = http.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "/static/vendor/yasgui/yasgui.min.js" in r.text


def test_cors(http):
    r = http.get("/sparql", params={"query": COUNT_LOCALITIES}, headers={"Origin": "http://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    pre = http.options("/sparql", headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST",
                                           "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]


def test_curl(live):
    out = subprocess.run(["curl", "-s", "-H", "Accept: text/csv", "--data-urlencode", f"query={NAMES}", live.url + "/sparql"],
                         capture_output=True, timeout=60, check=True).stdout.decode()
    assert out.splitlines()[0] == "l,en" and "Jinchang" in out


def test_sparqlwrapper(live):
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

    client = SPARQLWrapper(live.url + "/sparql")
    client.setQuery(NAMES)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert [r["en"]["value"] for r in rows][0] == "Jinchang" and len(rows) == 7
    client.setMethod(POST)
    client.setQuery("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX zl: <https://w3id.org/zhili/ontology#> " + CONSTRUCT)
    client.setReturnFormat(TURTLE)
    data = client.query().convert()
    assert len(Graph().parse(data=data, format="turtle")) == 14


def test_rdflib_sparqlstore(live):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(live.url + "/sparql", returnFormat="json"))
    rows = list(graph.query(NAMES))
    assert len(rows) == 7 and str(rows[0][1]) == "Jinchang"
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
