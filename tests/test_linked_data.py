"""Every IRI minted in the graph resolves on the server, as RDF by Accept and HTML for browsers."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from kg.namespaces import ID
from kg.paths import CONTEXT_FILE
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
    assert r.status_code == 200 and 'href="/localities/jinchang"' in r.text  # the page links to the reading page
    r = http.get("/id/figure/" + "x", headers=html)
    assert r.status_code == 404
    page = http.get("/id/adoption/jinchang-street-lane-chief", headers=html)
    assert page.status_code == 200 and "一长七员" in page.text


def test_unknown_iri_and_unacceptable_type(http):
    assert http.get("/id/locality/atlantis", headers={"Accept": "text/turtle"}).status_code == 404
    assert http.get("/id/locality/jinchang", headers={"Accept": "image/png"}).status_code == 406
    assert http.get("/ontology").headers["content-type"].startswith("text/turtle")


# ---------------------------------------------------------------- suffixes, Link headers, the page, the context
SUFFIXES = [("ttl", "text/turtle", "turtle"), ("jsonld", "application/ld+json", "json-ld"),
            ("nt", "application/n-triples", "nt"), ("rdf", "application/rdf+xml", "xml")]
MECH = "/id/mechanism/street-lane-chief"


def links(response) -> dict[str, list[str]]:
    """rel -> targets of a response's Link header (RFC 8288, as the service writes it)."""
    out: dict[str, list[str]] = {}
    for target, params in re.findall(r"<([^>]*)>((?:\s*;\s*[a-z]+=\"[^\"]*\")*)", response.headers.get("link", "")):
        rel = re.search(r'rel="([^"]*)"', params).group(1)
        out.setdefault(rel, []).append(target)
    return out


@pytest.mark.parametrize("suffix,media,fmt", SUFFIXES)
def test_suffix_url_gives_the_same_graph_as_accept(http, suffix, media, fmt):
    by_suffix = http.get(f"{MECH}.{suffix}", headers={"Accept": "text/html"})  # the suffix wins over Accept
    by_accept = http.get(MECH, headers={"Accept": media})
    for r in (by_suffix, by_accept):
        assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
    a, b = Graph().parse(data=by_suffix.text, format=fmt), Graph().parse(data=by_accept.text, format=fmt)
    assert len(a) > 10 and isomorphic(a, b)
    assert (URIRef(ID + "mechanism/street-lane-chief"), None, None) in a
    rel = links(by_suffix)
    assert rel["canonical"] == [MECH]
    assert set(rel["alternate"]) == {f"{MECH}.{s}" for s in ("html", "ttl", "jsonld", "nt", "rdf") if s != suffix}


def test_bad_suffixes_and_unknown_resources_are_404(http):
    html = http.get(f"{MECH}.html", headers={"Accept": "text/turtle"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    for path in (f"{MECH}.xyz", f"{MECH}.", f"{MECH}.ttl.ttl", "/id/mechanism/atlantis.ttl", "/id/mechanism/atlantis.html",
                 "/id/.ttl", "/id/mechanism/a%20b.jsonld", "/id/mechanism/%3C.nt"):
        assert http.get(path, headers={"Accept": "text/turtle"}).status_code == 404, path


def _rows(page: str, table: str) -> list[tuple[str, str]]:
    """(header cell text, value cell HTML) of each row of the page's `table` (class) table."""
    body = page.split(f'class="list ld-props{table}"', 1)[1].split("</table>", 1)[0]
    return [(unescape(re.sub(r"<[^>]+>", " ", th)).split(), td)
            for th, td in re.findall(r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>', body, re.S)]


@pytest.mark.parametrize("lang,words", [("en", ["preferred", "label", "skos:prefLabel"]), ("zh", ["首选标签", "skos:prefLabel"])])
def test_page_names_properties_by_label_and_prefixed_name(http, lang, words):
    page = http.get(f"{MECH}?lang={lang}", headers={"Accept": "text/html"}).text
    rows = _rows(page, "")
    assert len(rows) >= 6
    assert any(all(w in cell for w in words) for cell, _ in rows)
    for cell, _ in rows:  # every property has a label, and none is printed as an IRI
        assert len(cell) >= 2 and not any(w.startswith("http") for w in cell), cell
    label = next(td for cell, td in rows if "skos:prefLabel" in cell)
    assert '<span lang="zh">街巷长制</span>' in label and "@zh" in label  # literals carry their language
    assert '<a href="/id/mechanism/category-grid"' in next(td for cell, td in rows if "skos:broader" in cell)


def test_every_property_and_class_of_the_data_has_zh_and_en_labels(store):
    """What the /id/ pages name: every predicate and class of a minted resource (and of what points to one)."""
    from api.linked import external_labels

    rows = select(store, f"""SELECT DISTINCT ?t WHERE {{ {{ ?s ?t ?o }} UNION {{ ?s a ?t }} UNION {{ ?o ?t ?s }}
                                                      FILTER(STRSTARTS(STR(?s), "{ID}")) }}""")
    labelled = {r["t"]: set() for r in rows}
    for r in select(store, """SELECT ?t (LANG(?l) AS ?lang) WHERE { VALUES ?p { rdfs:label skos:prefLabel } ?t ?p ?l }"""):
        if r["t"] in labelled:
            labelled[r["t"]].add(r["lang"])
    for iri, label in external_labels().items():
        if iri in labelled:
            labelled[iri] |= {lang for lang in ("zh", "en") if getattr(label, lang)}
    assert [t for t, langs in sorted(labelled.items()) if not {"zh", "en"} <= langs] == []


def test_inverse_links_capped_and_counted(http, store):
    page = http.get(MECH, headers={"Accept": "text/html"}).text
    inverse = dict((" ".join(cell), td) for cell, td in _rows(page, " ld-inverse"))
    adopted = next(td for cell, td in inverse.items() if "^zl:mechanism" in cell)
    adoptions = select(store, f"SELECT ?a WHERE {{ ?a zl:mechanism <{ID}mechanism/street-lane-chief> }}")
    assert len(adoptions) >= 2
    for row in adoptions:  # each adoption that points to the concept is listed, by label
        assert f'href="/id/{row["a"][len(ID):]}"' in adopted
    # a locality has more facts than the cap: 12 listed, the rest counted, with a query listing all
    page = http.get("/id/locality/jinchang", headers={"Accept": "text/html"}).text
    cell = next(td for cell, td in _rows(page, " ld-inverse") if "^zl:locality" in cell)
    total = len(select(store, f"SELECT DISTINCT ?s WHERE {{ ?s zl:locality <{ID}locality/jinchang> }}"))
    assert total > 12 and cell.count("<li>") == 12 and f"{total - 12} more" in cell
    assert "/sparql?query=SELECT" in cell


@pytest.mark.parametrize("path,friendly", [(MECH, "/mechanisms/street-lane-chief"), ("/id/locality/jinchang", "/localities/jinchang"),
                                           ("/id/adoption/jinchang-street-lane-chief", "/localities/jinchang#jinchang-street-lane-chief")])
def test_page_links_to_the_friendly_page(http, path, friendly):
    page = http.get(path, headers={"Accept": "text/html"}).text
    href = unescape(re.search(r'<a class="ld-friendly" href="([^"]+)"', page).group(1))
    assert href == friendly and http.get(href.split("#")[0]).status_code == 200


def test_jsonld_context_served_and_named_by_every_jsonld_answer(http):
    served = http.get("/ns/context.jsonld")
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/ld+json")
    assert served.json() == json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    for r in (http.get(f"{MECH}.jsonld"), http.get("/api/mechanisms/street-lane-chief", headers={"Accept": "application/ld+json"})):
        assert r.headers["content-type"].startswith("application/ld+json")
        context = links(r)["http://www.w3.org/ns/json-ld#context"]
        assert len(context) == 1 and context[0].endswith("/ns/context.jsonld")
        assert r.json()["@context"] == served.json()["@context"]  # inline too: rdflib reads it offline
        assert (URIRef(ID + "mechanism/street-lane-chief"), None, None) in Graph().parse(data=r.text, format="json-ld")


def test_one_resource_of_every_kind_has_a_page(http, store):
    """Localities, concepts, adoptions, figures, tiers, chains, documents, evidence, sources, places, notes…"""
    first: dict[str, str] = {}
    for iri in minted(store):
        first.setdefault(iri[len(ID):].split("/", 1)[0], iri)
    assert len(first) >= 10
    for kind, iri in sorted(first.items()):
        for lang in ("en", "zh"):
            r = http.get(f"/id/{iri[len(ID):]}?lang={lang}", headers={"Accept": "text/html"})
            assert r.status_code == 200 and r.text.count("<h1>") == 1 and 'id="inverse"' in r.text, (kind, r.status_code)
            assert f"<code>{iri}</code>" in r.text and "Link" in r.headers
