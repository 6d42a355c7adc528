"""RDF descriptions of one resource, for linked-data resolution and JSON-LD responses."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph

from kg.export import jsonld_context

from .repository import Repository

# The resource's own triples, those of the facts about it (adoptions, figures, chains, tiers),
# and their evidence annotations with targets and selectors.
DESCRIBE = """
CONSTRUCT { ?s ?p ?o } WHERE {
  { $x ?p ?o BIND($x AS ?s) }
  UNION { ?s zl:locality|zl:adoption|zl:mechanism $x . ?s ?p ?o }
  UNION { $x zl:hasTier ?s . ?s ?p ?o }
  UNION { ?s oa:hasBody $x . ?s ?p ?o }
  UNION { ?ann oa:hasBody $x ; oa:hasTarget ?s . ?s ?p ?o }
  UNION { ?ann oa:hasBody $x ; oa:hasTarget/oa:hasSelector ?s . ?s ?p ?o }
}"""

RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
def describe(repo: Repository, iri: str) -> list[ox.Triple]:
    return repo.construct(DESCRIBE, {"x": iri})


def serialize(triples: list[ox.Triple], media_type: str) -> bytes:
    if media_type == "application/ld+json":
        return to_jsonld(triples)
    from kg.namespaces import PREFIXES

    kwargs = {"prefixes": PREFIXES} if media_type != "application/n-triples" else {}
    return ox.serialize(triples, format=RDF_TYPES[media_type], **kwargs)


def to_jsonld(triples: list[ox.Triple]) -> bytes:
    """Compacted JSON-LD with the project's context (rdflib does the compaction)."""
    graph = Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    return graph.serialize(format="json-ld", context=jsonld_context(), auto_compact=True).encode("utf-8")
