"""IRIs and prefixes of the graph: one place, shared by serializer, queries and API."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, FOAF

BASE = "https://w3id.org/zhili/"
ZL = Namespace(BASE + "ontology#")
ID = BASE + "id/"
LOC = Namespace(ID + "locality/")
MECH = Namespace(ID + "mechanism/")
AD = Namespace(ID + "adoption/")
FIG = Namespace(ID + "figure/")
TIER = Namespace(ID + "tier/")
DOC = Namespace(ID + "document/")
EV = Namespace(ID + "evidence/")
SEED = Namespace(ID + "source/")
AGENT = Namespace(ID + "agent/")
NOTE = Namespace(ID + "note/")
ORGT = Namespace(ID + "orgtype/")
PLACE = Namespace(ID + "place/")
ART = Namespace(ID + "article/")
GRAPH = Namespace(BASE + "graph/")
OA = Namespace("http://www.w3.org/ns/oa#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")  # W3C Basic Geo: lat/long of localities

PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "foaf": str(FOAF),
    "oa": str(OA),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "geo": str(GEO),
    "zl": str(ZL),
    "loc": str(LOC),
    "mech": str(MECH),
    "ad": str(AD),
    "fig": str(FIG),
    "tier": str(TIER),
    "doc": str(DOC),
    "ev": str(EV),
    "seed": str(SEED),
    "agent": str(AGENT),
    "note": str(NOTE),
    "orgtype": str(ORGT),
    "place": str(PLACE),
    "art": str(ART),
}


def sparql_prologue() -> str:
    """PREFIX lines for every project prefix, prepended to user and example queries."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
