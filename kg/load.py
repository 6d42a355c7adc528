"""`kg load`: push the validated dataset into a SPARQL server with the Graph Store HTTP Protocol.

One named graph per curated file, each replaced with PUT, so a second run leaves
the server with the same triples. Graphs of ours that the dataset no longer has
are deleted. Nothing is sent if the dataset does not validate.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import httpx

from .dataset import dataset_files, graph_name
from .namespaces import GRAPH
from .paths import DATA
from .validate import validate


class LoadError(RuntimeError):
    pass


def default_query_endpoint(store_url: str) -> str | None:
    """Oxigraph serves GSP at /store and queries at /query."""
    return store_url[: -len("/store")] + "/query" if store_url.rstrip("/").endswith("/store") else None


def load(store_url: str, query_url: str | None = None, data_dir: Path = DATA,
         auth: tuple[str, str] | None = None, timeout: float = 60.0) -> dict:
    report = validate(data_dir)
    if not report.ok:
        raise LoadError(f"refusing to load: the dataset has {len(report.violations)} violation(s); run kg validate")
    files = dataset_files(data_dir)
    wanted = {str(graph_name(f)) for f in files}
    sent = 0
    with httpx.Client(timeout=timeout, auth=auth) as client:
        for path in files:
            g = str(graph_name(path))
            r = client.put(f"{store_url}?graph={quote(g, safe='')}", content=path.read_bytes(),
                           headers={"Content-Type": "text/turtle"})
            if r.status_code >= 300:
                raise LoadError(f"PUT {g} answered HTTP {r.status_code}: {r.text[:300]}")
            sent += 1
        removed = []
        query_url = query_url or default_query_endpoint(store_url)
        if query_url:
            r = client.post(query_url, data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                            headers={"Accept": "application/sparql-results+json"})
            r.raise_for_status()
            present = {b["g"]["value"] for b in r.json()["results"]["bindings"]}
            for g in sorted(present - wanted):
                if g.startswith(str(GRAPH)):
                    client.delete(f"{store_url}?graph={quote(g, safe='')}").raise_for_status()
                    removed.append(g)
            count = client.post(query_url, data={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
                                headers={"Accept": "application/sparql-results+json"})
            quads = int(count.json()["results"]["bindings"][0]["n"]["value"])
        else:
            quads = None
    return {"graphs": sent, "removed": removed, "quads_on_server": quads, "quads_validated": report.triples}
