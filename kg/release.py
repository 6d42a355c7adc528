"""Releases in a remote SPARQL store: what `kg load` writes and the API serves.

A release is one validated build, written under graph names of its own
(`…/graph/release/<id>/<file graph>`), with a record graph (`…/graph/release/<id>`)
that lists its graphs, its quad count and its checksum, written after the data. A
pointer graph (`…/graph/current`) names the current release; it is written last, in one
PUT, so a load interrupted at any point leaves the previous release served. The API
reads only the graphs the current record lists, checks the store against the record
(count on every health check, checksum at start-up, on each release switch and on a
schedule), and follows the pointer to a new release without a restart.

Checksums are over the quads in Oxigraph's canonical value forms (an integer subtype is
stored as xsd:integer, 1.50 as 1.5, …: what `kg validate` itself sees), so the same build
has the same checksum whichever engine holds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .namespaces import GRAPH

RELEASES = f"{GRAPH}release/"
CURRENT = f"{GRAPH}current"
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SD = "http://www.w3.org/ns/sparql-service-description#"


def release_id(checksum: str) -> str:
    return checksum[:16]


def release_iri(rid: str) -> str:
    return f"{RELEASES}{rid}"


def release_graph(rid: str, canonical: str) -> str:
    """The name a file's graph has inside release `rid`."""
    if not canonical.startswith(str(GRAPH)):
        raise ValueError(f"not a dataset graph: {canonical}")
    return f"{RELEASES}{rid}/{canonical[len(str(GRAPH)):]}"


def union_graph(rid: str) -> str:
    """The release's default graph: every triple of its file graphs once (their RDF merge), written by
    `kg load` beside them, so a query's default graph is one graph the store holds rather than a merge of
    a dozen it computes per query (5-15x faster on Oxigraph). A fragment of the release IRI: never a file
    graph's name, and under the graph namespace, so the next load removes it with the rest."""
    return f"{release_iri(rid)}#default"


def union_ntriples(quads) -> bytes:
    """The union graph's content: the quads' triples in canonical forms, each once."""
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
    return ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in store), format=ox.RdfFormat.N_TRIPLES)


def canonical_triples(triples) -> set:
    """Triples in Oxigraph's canonical value forms, as a set (the union graph's content, compared)."""
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return {(q.subject, q.predicate, q.object) for q in store}


def canonical_graph(name: str) -> str:
    """A release graph's file graph name (the name the embedded store uses); other names unchanged."""
    if name.startswith(RELEASES):
        rest = name[len(RELEASES):]
        if "/" in rest:
            return f"{GRAPH}{rest.split('/', 1)[1]}"
    return name


def canonical_quads(quads) -> list[ox.Quad]:
    """Quads with release graphs renamed to file graphs and literals in Oxigraph's canonical forms."""
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(canonical_graph(q.graph_name.value)))
                 for q in quads)
    return list(store)


@dataclass(frozen=True)
class Release:
    id: str
    checksum: str
    quads: int
    graphs: tuple[str, ...]  # release graph names
    created: str
    union: str | None = None  # its union graph (union_graph), absent in releases written before it existed
    union_triples: int = 0  # distinct triples in it

    @property
    def iri(self) -> str:
        return release_iri(self.id)

    def record_ntriples(self) -> str:
        """The record graph, as N-Triples (no prefixes to get wrong on any engine)."""
        s = f"<{self.iri}>"
        lines = [f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{DCAT}Dataset> .",
                 f"{s} <{DCTERMS}identifier> \"{self.checksum}\" .",
                 f"{s} <{VOID}triples> \"{self.quads}\"^^<{XSD}integer> .",
                 f"{s} <{DCTERMS}created> \"{self.created}\"^^<{XSD}dateTime> ."]
        lines += [f"{s} <{DCTERMS}hasPart> <{g}> ." for g in self.graphs]
        if self.union:
            lines += [f"{s} <{SD}defaultGraph> <{self.union}> .",
                      f"<{self.union}> <{VOID}triples> \"{self.union_triples}\"^^<{XSD}integer> ."]
        return "\n".join(lines) + "\n"

    def pointer_ntriples(self) -> str:
        return f"<{CURRENT}> <{DCAT}hasCurrentVersion> <{self.iri}> .\n"


RECORD_QUERY = f"""SELECT ?release ?checksum ?quads ?created ?part ?union ?union_triples WHERE {{
  GRAPH <{CURRENT}> {{ <{CURRENT}> <{DCAT}hasCurrentVersion> ?release }}
  GRAPH ?release {{ ?release <{DCTERMS}identifier> ?checksum ; <{VOID}triples> ?quads ;
                   <{DCTERMS}created> ?created ; <{DCTERMS}hasPart> ?part
                   OPTIONAL {{ ?release <{SD}defaultGraph> ?union . ?union <{VOID}triples> ?union_triples }} }}
}}"""


def release_from_rows(rows: list[dict]) -> Release | None:
    """The current release from RECORD_QUERY's rows (plain values); None when there is none or it is
    ambiguous (two pointers: a store someone else wrote to)."""
    if not rows or len({r["release"] for r in rows}) != 1:
        return None
    first = rows[0]
    rid = str(first["release"])[len(RELEASES):]
    unions = {(str(r["union"]), int(r["union_triples"])) for r in rows if r.get("union") is not None
              and r.get("union_triples") is not None}
    union, union_triples = unions.pop() if len(unions) == 1 else (None, 0)
    return Release(rid, str(first["checksum"]), int(first["quads"]), tuple(sorted({str(r["part"]) for r in rows})),
                   str(first["created"]), union, union_triples)
