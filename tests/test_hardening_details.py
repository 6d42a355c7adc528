"""Hardening details: Vary on negotiated answers, benchmark-only synthetic graphs, self-links that stay on the
site, absolute URLs from ZHILI_PUBLIC_URL (never the Host header), XML that stays well-formed, triple terms in
formats that cannot carry them, unknown /graph/… paths, and result values that never become inline handlers."""

from __future__ import annotations

import re
import socket
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest

HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


def vary(response) -> list[str]:
    return [name.strip().lower() for line in response.headers.get_list("vary") for name in line.split(",") if name.strip()]


# ---------------------------------------------------------------- 1. Vary: Accept
@pytest.mark.parametrize("path, headers", [
    ("/api/localities/jinchang", {"Accept": "application/json"}),
    ("/api/localities/jinchang", {"Accept": "application/ld+json"}),
    ("/api/localities/no-such-place", {"Accept": "application/json"}),
    ("/sparql?query=ASK%20%7B%7D", {"Accept": "application/sparql-results+json"}),
    ("/sparql?query=ASK%20%7B%7D", {"Accept": "application/sparql-results+xml"}),
    ("/sparql", {"Accept": "text/turtle"}),          # service description
    ("/sparql", HTML),                                # query page
    ("/no/such/page", HTML),                          # the 404 page
    ("/no/such/page", {"Accept": "application/json"}),
    ("/id/locality/jinchang", HTML),                  # 303 to the page
    ("/id/locality/jinchang", {"Accept": "text/turtle"}),  # sets Vary: Accept itself
    ("/localities/jinchang", HTML),
])
def test_negotiated_responses_vary_on_accept(http, path, headers):
    r = http.get(path, headers=headers, follow_redirects=False)
    assert r.status_code in (200, 303, 404), (path, r.status_code)
    assert vary(r).count("accept") == 1, (path, r.headers.get_list("vary"))


def test_vary_merges_with_cors_origin_without_repeating(http):
    # CORS adds Vary: Origin when the request carries cookies
    r = http.get("/api/localities/jinchang", headers={"Origin": "http://example.org", "Cookie": "a=b"})
    names = vary(r)
    assert r.status_code == 200 and names.count("accept") == 1 and names.count("origin") == 1, names
    assert len(r.headers.get_list("vary")) == 1


def test_static_files_do_not_vary(http):
    r = http.get("/static/zhili.css")
    assert r.status_code == 200 and "accept" not in vary(r)


# ---------------------------------------------------------------- 2. synthetic graphs are for benchmarks only
def test_synthetic_graphs_are_refused_without_the_benchmark_setting(http):
    started = time.monotonic()
    r = http.get("/api/graph", params={"synthetic": 2000})
    assert r.status_code == 422
    assert "ZHILI_BENCH_SYNTHETIC" in r.json()["detail"]
    assert time.monotonic() - started < 1.0
    assert http.get("/api/graph").status_code == 200


# ---------------------------------------------------------------- 3. self-links stay on the site
def raw_get(url: str, target: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """A request with the request-target exactly as given (clients normalise `//`)."""
    parts = urlsplit(url)
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        out, rest = b"", body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            out, rest = out + rest[:size], rest[size + 2:]
        body = out
    return status, body.decode("utf-8", errors="replace")


@pytest.mark.parametrize("target, expected", [
    ("//evil.example/x", "/evil.example/x?lang=zh"),
    ("///evil.example/x", "/evil.example/x?lang=zh"),
    ("/%2F%2Fevil.example/x", "/evil.example/x?lang=zh"),
    ("//evil.example/x?a=1", "/evil.example/x?a=1&amp;lang=zh"),
])
def test_language_switch_never_links_off_site(live, target, expected):
    status, html = raw_get(live.url, target, HTML)
    assert status == 404 and "<html" in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not [h for h in hrefs if h.startswith(("//", "/\\", "\\"))], hrefs
    assert re.search(r'id="lang-zh" href="([^"]*)"', html).group(1) == expected


# ---------------------------------------------------------------- 4. absolute URLs from ZHILI_PUBLIC_URL
def test_absolute_urls_never_come_from_the_host_header(http, live):
    page = http.get("/sparql", headers={**HTML, "Host": "evil.example"})
    assert page.status_code == 200 and "yasgui" in page.text
    assert "evil.example" not in page.text
    assert f"{live.url}/sparql" in page.text  # `kg serve` names the address it was started on
    for accept in ("text/turtle", "application/rdf+xml", "application/ld+json", "application/n-triples"):
        sd = http.get("/sparql", headers={"Accept": accept, "Host": "evil.example"})
        assert sd.status_code == 200 and "evil.example" not in sd.text, accept
        assert f"{live.url}/sparql" in sd.text, accept


# ---------------------------------------------------------------- 5. XML that XML 1.0 cannot carry
@pytest.mark.parametrize("escape", ["\\u0001", "\\u0000", "\\u001F", "\\uFFFF"])
def test_xml_results_refuse_characters_xml_cannot_represent(http, escape):
    select = f'SELECT ?x WHERE {{ BIND("a{escape}b" AS ?x) }}'
    r = http.get("/sparql", params={"query": select, "format": "xml"})
    assert r.status_code == 406, r.text
    assert f"U+{escape[2:].upper()}" in r.text and "JSON" in r.text and "CSV" in r.text
    value = "a" + chr(int(escape[2:], 16)) + "b"
    j = http.get("/sparql", params={"query": select, "format": "json"})
    assert j.status_code == 200 and j.json()["results"]["bindings"][0]["x"]["value"] == value
    for fmt in ("csv", "tsv"):
        assert http.get("/sparql", params={"query": select, "format": fmt}).status_code == 200, fmt

    construct = f'CONSTRUCT {{ <http://example.org/s> <http://example.org/p> ?x }} WHERE {{ BIND("a{escape}b" AS ?x) }}'
    r = http.get("/sparql", params={"query": construct, "format": "rdfxml"})
    assert r.status_code == 406 and f"U+{escape[2:].upper()}" in r.text and "Turtle" in r.text, r.text
    t = http.get("/sparql", params={"query": construct, "format": "turtle"})
    assert t.status_code == 200
    assert list(ox.parse(t.content, format=ox.RdfFormat.TURTLE))[0].object.value == value


def test_xml_results_that_can_be_written_are_well_formed(http):
    select = 'SELECT ?x ?y WHERE { BIND("tab\\tline\\ncr\\r<&>\\u007F\\u00A0中" AS ?x) BIND(<http://example.org/a> AS ?y) }'
    r = http.get("/sparql", params={"query": select, "format": "xml"})
    assert r.status_code == 200
    ns = "{http://www.w3.org/2005/sparql-results#}"
    literal = ET.fromstring(r.content).find(f".//{ns}literal")
    assert literal.text.replace("\r\n", "\n") in ("tab\tline\ncr\r<&>\x7f\xa0中", "tab\tline\ncr\n<&>\x7f\xa0中")
    construct = 'CONSTRUCT { <http://example.org/s> <http://example.org/p> "x<&>\\t中" } WHERE {}'
    r = http.get("/sparql", params={"query": construct, "format": "rdfxml"})
    assert r.status_code == 200
    ET.fromstring(r.content)


# ---------------------------------------------------------------- 6. triple terms (RDF 1.2)
TRIPLE_CONSTRUCT = "CONSTRUCT { ?s ?p <<( ?s ?p ?o )>> } WHERE { ?s ?p ?o } LIMIT 1"
TRIPLE_SELECT = "SELECT ?t WHERE { ?s ?p ?o BIND(<<( ?s ?p ?o )>> AS ?t) } LIMIT 1"


def test_triple_terms_in_a_graph_never_give_500(http):
    answers = {fmt: http.get("/sparql", params={"query": TRIPLE_CONSTRUCT, "format": fmt})
               for fmt in ("turtle", "ntriples", "rdfxml", "jsonld")}
    assert all(r.status_code in (200, 400, 406) for r in answers.values()), {f: r.status_code for f, r in answers.items()}
    if answers["turtle"].status_code == 400:
        # the guard (a strict SPARQL 1.1 grammar) refuses 1.2 syntax before anything runs: the same for every format
        assert all(r.status_code == 400 for r in answers.values()), {f: r.text for f, r in answers.items()}
        return
    jsonld = answers["jsonld"]
    assert jsonld.status_code == 406, jsonld.text
    assert "JSON-LD" in jsonld.text and "triple term" in jsonld.text and "Turtle" in jsonld.text
    for fmt, rdf_format in (("turtle", ox.RdfFormat.TURTLE), ("ntriples", ox.RdfFormat.N_TRIPLES)):
        r = answers[fmt]
        assert r.status_code == 200, (fmt, r.text)
        triples = list(ox.parse(r.content, format=rdf_format))
        assert len(triples) == 1 and isinstance(triples[0].object, ox.Triple)
    assert answers["rdfxml"].status_code == 200
    ET.fromstring(answers["rdfxml"].content)


def test_the_writers_refuse_triple_terms_in_json_ld_whatever_the_guard_lets_through():
    """The guard may refuse 1.2 syntax before anything runs; the writers must give a clear answer anyway."""
    from api.service import remote_query
    from api.sparql.pool import QueryJob, evaluate
    from api.sparql.results import NotRepresentable, write_triples

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"),
                      ox.NamedNode("https://w3id.org/zhili/graph/test")))
    triples = list(store.query(TRIPLE_CONSTRUCT, use_default_graph_as_union=True))
    assert isinstance(triples[0].object, ox.Triple)
    with pytest.raises(NotRepresentable, match="JSON-LD.*triple term"):
        write_triples(iter(triples), "jsonld", 10, 1 << 20)
    for fmt in ("turtle", "ntriples", "rdfxml"):
        assert write_triples(iter(triples), fmt, 10, 1 << 20).rows == 1
    # embedded: the query worker reports it with status 406, which the router answers
    outcome = evaluate(store, QueryJob(TRIPLE_CONSTRUCT, "CONSTRUCT", "jsonld"))
    assert not outcome.ok and outcome.status == 406 and "triple term" in outcome.error
    assert evaluate(store, QueryJob(TRIPLE_CONSTRUCT, "CONSTRUCT", "turtle")).ok

    # remote: the store's N-Triples carry the triple term; the writer's refusal becomes a 406 outcome
    import io
    from contextlib import contextmanager

    class Store:
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)

        def raw(self, *args, **kwargs):
            return self.body

        @contextmanager
        def stream(self, *args, **kwargs):
            yield io.BytesIO(self.body)

    outcome = remote_query(Store(), QueryJob(TRIPLE_CONSTRUCT, "CONSTRUCT", "jsonld"), 5.0)
    assert not outcome.ok and outcome.status == 406 and "triple term" in outcome.error
    assert remote_query(Store(), QueryJob(TRIPLE_CONSTRUCT, "CONSTRUCT", "ntriples"), 5.0).ok


def test_triple_terms_in_results_never_give_500(http):
    for fmt in ("json", "xml", "csv", "tsv"):
        r = http.get("/sparql", params={"query": TRIPLE_SELECT, "format": fmt})
        assert r.status_code in (200, 400), (fmt, r.status_code, r.text)
        if r.status_code == 200 and fmt == "xml":
            ns = "{http://www.w3.org/2005/sparql-results#}"
            assert ET.fromstring(r.content).find(f".//{ns}triple") is not None
        if r.status_code == 200 and fmt == "json":
            assert r.json()["results"]["bindings"][0]["t"]["type"] == "triple"


# ---------------------------------------------------------------- 7. /graph/… only for graphs of the dataset
def test_unknown_graph_paths_are_404(http):
    assert http.get("/graph/anything").status_code == 404
    assert http.get("/graph/localities/no-such-place").status_code == 404
    assert http.get("/graph/localities/jinchang/extra", headers=HTML).status_code == 404
    known = http.get("/graph/localities/jinchang")
    assert known.status_code == 200 and "graph/localities/jinchang" in known.text
    assert http.get("/graph", headers=HTML).status_code == 200


# ---------------------------------------------------------------- 8. result values never become inline handlers
PAYLOAD = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("live", ["embedded"], indirect=True)
def test_query_results_with_markup_build_no_inline_handlers(page, live):
    console, dialogs = [], []
    page.on("console", lambda m: console.append(m.text))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live.url + "/sparql", wait_until="networkidle")
    page.locator(".yasqe .CodeMirror").wait_for()
    query = ('SELECT ?x ?lang ?typed ?iri WHERE { BIND("' + PAYLOAD + '" AS ?x) BIND(STRLANG("' + PAYLOAD + '", "en") AS ?lang) '
             'BIND(STRDT("' + PAYLOAD + '", <http://example.org/\'/onerror=\'alert(2)>) AS ?typed) '
             'BIND(<http://example.org/\'/onmouseover=\'alert(3)> AS ?iri) }')
    page.evaluate("q => { const t = window.zhiliYasgui.getTab(); t.setQuery(q); t.query(); }", query)
    page.locator(".yasr table tbody tr").first.wait_for(timeout=20000)
    page.wait_for_timeout(500)  # violation reports are asynchronous
    cells = page.locator(".yasr table tbody td").all_inner_texts()
    assert any(PAYLOAD in c for c in cells), cells  # shown as text
    assert any("onmouseover='alert(3)" in c for c in cells), cells
    handlers = page.evaluate("""() => Array.from(document.querySelectorAll('.yasr *'))
        .filter(e => Array.from(e.attributes).some(a => a.name.toLowerCase().startsWith('on')))
        .map(e => e.outerHTML)""")
    assert handlers == []
    assert page.locator(".yasr img").count() == 0
    assert page.locator(".yasr a.iri[href^='http://example.org/']").count() >= 1
    assert dialogs == []
    assert [m for m in console if "Content Security Policy" in m] == []
