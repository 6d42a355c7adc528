"""Every IRI minted in the graph resolves on the server, as RDF by Accept and HTML for browsers."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef

from kg.namespaces import ID
from kg.store import select


def minted(store) -> list[str]:
    rows = select(store, f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{ID}")) }}')
    return sorted(r["s"] for r in rows)


def test_every_minted_iri_resolves_as_turtle(http, store):
    iris = minted(store)
    assert len(iris) > 1000
    failures = []
    for iri in iris:
        r = http.get("/id/" + iri[len(ID):], headers={"Accept": "text/turtle"})
        if r.status_code != 200 or (URIRef(iri), None, None) not in Graph().parse(data=r.text, format="turtle"):
            failures.append((iri, r.status_code))
    assert failures == []


@pytest.mark.parametrize("accept,fmt", [("application/ld+json", "json-ld"), ("application/n-triples", "nt"),
                                        ("application/rdf+xml", "xml")])
def test_rdf_formats(http, accept, fmt):
    r = http.get("/id/adoption/jinchang-street-lane-chief", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    g = Graph().parse(data=r.text, format=fmt)
    assert (URIRef(ID + "adoption/jinchang-street-lane-chief"), None, None) in g
    assert len(g) > 10  # the adoption with its evidence annotation, target and selectors


def test_html_for_browsers(http):
    html = {"Accept": "text/html"}
    r = http.get("/id/locality/jinchang", headers=html, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/localities/jinchang"
    r = http.get("/id/figure/" + "x", headers=html)
    assert r.status_code == 404
    page = http.get("/id/adoption/jinchang-street-lane-chief", headers=html)
    assert page.status_code == 200 and "一长七员" in page.text


def test_unknown_iri_and_unacceptable_type(http):
    assert http.get("/id/locality/atlantis", headers={"Accept": "text/turtle"}).status_code == 404
    assert http.get("/id/locality/jinchang", headers={"Accept": "image/png"}).status_code == 406
    assert http.get("/ontology").headers["content-type"].startswith("text/turtle")
