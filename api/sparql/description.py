"""The SPARQL Service Description (with a VoID / DCAT description of the dataset)."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID, XSD

from kg.namespaces import PREFIXES

from ..catalog import Catalog
from .results import GRAPH_TYPES, RESULT_TYPES

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
_FORMAT_IRIS = {
    "json": FORMATS.SPARQL_Results_JSON, "xml": FORMATS.SPARQL_Results_XML, "csv": FORMATS.SPARQL_Results_CSV,
    "tsv": FORMATS.SPARQL_Results_TSV, "turtle": FORMATS.Turtle, "ntriples": FORMATS["N-Triples"],
    "rdfxml": FORMATS.RDF_XML, "jsonld": FORMATS["JSON-LD"],
}


def service_description(endpoint: str, cat: Catalog, triples: int, class_counts: dict[str, int]) -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("dcat", DCAT)
    service = URIRef(endpoint)
    dataset = URIRef("https://w3id.org/zhili/dataset")
    default = BNode("defaultDataset")
    default_graph = BNode("defaultGraph")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    for fmt in list(RESULT_TYPES) + list(GRAPH_TYPES):
        g.add((service, SD.resultFormat, _FORMAT_IRIS[fmt]))
    g.add((service, SD.defaultDataset, default))
    g.add((default, RDF.type, SD.Dataset))
    g.add((default, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    g.add((default_graph, VOID.triples, Literal(triples, datatype=XSD.integer)))
    g.add((service, RDFS.comment, Literal("Read-only SPARQL 1.1 Query endpoint. Updates, SERVICE and LOAD are refused; "
                                          "each query has a hard time limit and results are capped.", lang="en")))
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.title, Literal("Zhili: urban grassroots governance knowledge graph", lang="en")))
    g.add((dataset, DCTERMS.title, Literal("治理：城市基层治理知识图谱", lang="zh")))
    g.add((dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((dataset, VOID.sparqlEndpoint, service))
    g.add((dataset, VOID.triples, Literal(triples, datatype=XSD.integer)))
    g.add((dataset, VOID.classes, Literal(len(class_counts), datatype=XSD.integer)))
    g.add((dataset, VOID.uriSpace, Literal("https://w3id.org/zhili/id/")))
    g.add((dataset, DCAT.distribution, URIRef(endpoint.rsplit("/sparql", 1)[0] + "/api/export?format=turtle")))
    for cls, count in sorted(class_counts.items()):
        part = BNode(f"class-{abs(hash(cls))}")
        g.add((dataset, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    for loc in sorted(cat.localities)[:3] + sorted(cat.mechanisms)[:2]:
        g.add((dataset, VOID.exampleResource, URIRef(loc)))
    g.add((default, SD.namedGraph, BNode("graphs")))
    return g
