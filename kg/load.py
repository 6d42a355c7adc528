"""`kg load`: write the validated dataset into a SPARQL server as a new release, then switch to it.

Steps, each one request (see api/release.py for the layout):
1. validate; nothing is sent if the dataset fails;
2. PUT each file's graph under the release's own graph names;
3. read the release back and compare its checksum with the validated build's (in Oxigraph's
   canonical value forms): a store that changed the data is caught before anything points at it;
3b. PUT the release's union graph (every triple once: the default graph user queries read, so the
   store never merges the file graphs per query) and read it back the same way;
4. PUT the release record;
5. PUT the pointer to it (the switch: one request);
6. DELETE every other graph under our graph namespace (older releases, the pre-release layout).

A load interrupted before step 5 leaves the previous release current and served; one
interrupted after it leaves the new release current and some old graphs behind, which the
next load removes. A store that goes away mid-load gives a clear error, never a traceback.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pyoxigraph as ox

from .release import (CURRENT, RECORD_QUERY, Release, canonical_quads, canonical_triples, release_from_rows,
                      release_graph, release_id, union_graph, union_ntriples)

from .dataset import dataset_files, graph_name
from .namespaces import GRAPH
from .paths import DATA
from .storeauth import store_auth
from .store import dataset_checksum
from .validate import validate


class LoadError(RuntimeError):
    pass


def default_query_endpoint(store_url: str) -> str | None:
    """Oxigraph serves GSP at /store and queries at /query; Virtuoso at /sparql-graph-crud(-auth) and /sparql."""
    base = store_url.rstrip("/")
    if base.endswith("/store"):
        return base[: -len("/store")] + "/query"
    for suffix in ("/sparql-graph-crud-auth", "/sparql-graph-crud"):
        if base.endswith(suffix):
            return base[: -len(suffix)] + "/sparql"
    return None


class _Store:
    """The few requests kg load makes, each turning an HTTP failure into a LoadError that says what state
    the store was left in."""

    def __init__(self, store_url: str, query_url: str, auth, timeout: float):
        self.store_url, self.query_url = store_url, query_url
        self.client = httpx.Client(timeout=timeout, auth=auth)
        self.switched = False
        self._last_status = 0

    def _fail(self, what: str, detail: str) -> LoadError:
        state = ("the new release is current; graphs of older releases may remain (the next load removes them)"
                 if self.switched else "nothing was switched: the previous release is still the current one")
        return LoadError(f"{what} failed ({detail}); {state}")

    def _send(self, what: str, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise self._fail(what, f"the store stopped answering: {type(exc).__name__}") from None
        self._last_status = response.status_code
        if response.status_code >= 300:
            raise self._fail(what, f"HTTP {response.status_code}: {response.text[:200]}")
        return response

    def put(self, graph: str, body: bytes, content_type: str = "text/turtle") -> None:
        self._send(f"PUT <{graph}>", "PUT", f"{self.store_url}?graph={quote(graph, safe='')}", content=body,
                   headers={"Content-Type": content_type})

    def delete(self, graph: str, missing_ok: bool = False) -> None:
        try:
            self._send(f"DELETE <{graph}>", "DELETE", f"{self.store_url}?graph={quote(graph, safe='')}")
        except LoadError:
            if not (missing_ok and self._last_status == 404):
                raise

    def select(self, what: str, query: str, named_graphs: list[str] = ()) -> ox.QuerySolutions:
        form = [("query", query)] + [("named-graph-uri", g) for g in named_graphs]
        response = self._send(what, "POST", self.query_url, content=urlencode(form).encode("ascii"),
                              headers={"Accept": "application/sparql-results+json",
                                       "Content-Type": "application/x-www-form-urlencoded"})
        return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)


def load(store_url: str, query_url: str | None = None, data_dir: Path = DATA,
         auth: tuple[str, str] | None = None, timeout: float = 120.0) -> dict:
    report = validate(data_dir)
    if not report.ok:
        raise LoadError(f"refusing to load: the dataset has {len(report.violations)} violation(s); run kg validate")
    query_url = query_url or default_query_endpoint(store_url)
    if not query_url:
        raise LoadError("give the store's query URL with --query-endpoint (it cannot be derived from this Graph "
                        "Store URL)")
    validated = canonical_quads(report.store)
    checksum = dataset_checksum(validated)
    rid = release_id(checksum)
    store = _Store(store_url, query_url, store_auth(*auth) if auth else None, timeout)
    with store.client:
        graphs = []
        for path in dataset_files(data_dir):
            graph = release_graph(rid, str(graph_name(path)))
            store.put(graph, path.read_bytes())
            graphs.append(graph)
        rows = store.select("reading the release back", "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", graphs)
        stored = canonical_quads(ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows)
        if dataset_checksum(stored) != checksum:
            raise store._fail("checking the release", f"the store holds {len(stored)} quads that differ from the "
                                                      f"{len(validated)} validated ones (a row limit on the server?)")
        # the release's default graph, one graph the store holds (kg/release.py union_graph), checked the same way
        union = union_graph(rid)
        store.put(union, union_ntriples(validated), "application/n-triples")
        expected = canonical_triples(ox.Triple(q.subject, q.predicate, q.object) for q in validated)
        rows = store.select("reading the union graph back", f"SELECT ?s ?p ?o WHERE {{ GRAPH <{union}> {{ ?s ?p ?o }} }}",
                            [union])
        if canonical_triples(ox.Triple(r["s"], r["p"], r["o"]) for r in rows) != expected:
            raise store._fail("checking the union graph", "the store's union graph differs from the validated triples")
        release = Release(rid, checksum, len(validated), tuple(sorted(graphs)),
                          time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), union, len(expected))
        fields = ("release", "checksum", "quads", "created", "part", "union", "union_triples")
        previous = release_from_rows([{k: row[k].value if row[k] is not None else None for k in fields}
                                      for row in store.select("reading the current release", RECORD_QUERY)])
        store.put(release.iri, release.record_ntriples().encode("utf-8"))
        store.put(CURRENT, release.pointer_ntriples().encode("utf-8"))
        store.switched = True
        keep = set(graphs) | {release.iri, CURRENT, union}
        removed, warning = [], None
        try:
            if previous is not None and previous.id != rid:  # the release just replaced: known from its record
                for graph in [*previous.graphs, *([previous.union] if previous.union else []), previous.iri]:
                    store.delete(graph, missing_ok=True)
                    removed.append(graph)
            # anything else of ours (interrupted loads, the layout before releases): best effort, it is served by no one
            present = store.select("listing old graphs", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            for graph in sorted(g for g in (r["g"].value for r in present) if g.startswith(str(GRAPH))
                                and g not in keep and g not in removed):
                store.delete(graph, missing_ok=True)
                removed.append(graph)
        except LoadError as exc:
            warning = f"{exc} (the new release is served; run kg load again to remove what is left)"
    result = {"release": rid, "checksum": checksum, "graphs": len(graphs), "quads": len(validated),
              "removed": len(removed)}
    if warning:
        result["warning"] = warning
    return result
