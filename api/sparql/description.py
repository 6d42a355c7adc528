"""The SPARQL Service Description, with a VoID / DCAT description of the dataset: its version, the release\nserved (checksum, issue date where recorded), its licence and one dcat:Distribution per export."""

from __future__ import annotations

from dataclasses import dataclass

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


OWL = Namespace("http://www.w3.org/2002/07/owl#")
IANA = "https://www.iana.org/assignments/media-types/"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")


@dataclass(frozen=True)
class ReleaseInfo:
    """What the served release records of itself: the dataset checksum, and when it was built or loaded
    (None for a graph built in memory at start-up, which records no date)."""

    checksum: str
    issued: str | None = None


def release_info(service) -> ReleaseInfo | None:
    """The served release: a remote store's release record (`kg load`), or an on-disk build's record
    (`kg build`), or just the checksum of the in-memory build."""
    if not getattr(service, "checksum", None):
        return None
    release = getattr(service.repo, "release", None)
    if release is not None and getattr(release, "created", None):
        return ReleaseInfo(service.checksum, str(release.created))
    location = getattr(service.repo, "location", None)
    if location:
        from pathlib import Path

        from kg.store import read_build_info

        info = read_build_info(Path(location)) or {}
        return ReleaseInfo(service.checksum, info.get("built"))
    return ReleaseInfo(service.checksum)


def _distributions(base: str) -> list[tuple[str, str, str]]:
    """(download path, media type, title) of every export the service offers."""
    from kg.export import TABLE_NAMES

    out = [("/api/export?format=turtle", "text/turtle", "Turtle"),
           ("/api/export?format=nquads", "application/n-quads", "N-Quads (one named graph per curated file)"),
           ("/api/export?format=jsonld", "application/ld+json", "JSON-LD"),
           ("/api/export/tables.zip", "application/zip", "CSV tables and data dictionary (zip)"),
           ("/api/export/datapackage.json", "application/json", "Data dictionary (Frictionless Data Package)")]
    out += [(f"/api/export/{name}.csv", "text/csv", f"CSV table: {name}") for name in TABLE_NAMES]
    return out


def _describe_release(g: Graph, dataset: URIRef, base: str, release: ReleaseInfo | None) -> None:
    """Version, release and one dcat:Distribution per export (DCAT 3 / VoID)."""
    from kg.export import dataset_version
    from kg.release import release_id, release_iri

    version = dataset_version()
    g.add((dataset, OWL.versionInfo, Literal(version)))
    g.add((dataset, DCAT.version, Literal(version)))
    if release is not None:
        node = URIRef(release_iri(release_id(release.checksum)))
        g.add((dataset, DCTERMS.hasVersion, node))
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCTERMS.isVersionOf, dataset))
        g.add((node, DCAT.version, Literal(version)))
        g.add((node, DCTERMS.identifier, Literal(release.checksum)))
        g.add((node, DCTERMS.license, LICENSE))
        if release.issued:
            issued = Literal(release.issued, datatype=XSD.dateTime)
            g.add((dataset, DCTERMS.issued, issued))
            g.add((node, DCTERMS.issued, issued))
    for path, media, title in _distributions(base):
        dist = URIRef(base + path)
        g.add((dataset, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, dist))
        g.add((dist, DCAT.mediaType, URIRef(IANA + media)))
        g.add((dist, DCTERMS.title, Literal(title, lang="en")))
        g.add((dist, DCTERMS.license, LICENSE))


def service_description(endpoint: str, cat: Catalog, triples: int, class_counts: dict[str, int],
                        release: ReleaseInfo | None = None) -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("dcat", DCAT)
    g.bind("owl", OWL)
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
    _describe_release(g, dataset, endpoint.rsplit("/sparql", 1)[0], release)
    for cls, count in sorted(class_counts.items()):
        part = BNode(f"class-{abs(hash(cls))}")
        g.add((dataset, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    for loc in sorted(cat.localities)[:3] + sorted(cat.mechanisms)[:2]:
        g.add((dataset, VOID.exampleResource, URIRef(loc)))
    g.add((default, SD.namedGraph, BNode("graphs")))
    return g
