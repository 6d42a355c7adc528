"""Official division codes (GB/T 2260) and coordinates, read from the `cpca` package's table.

Codes and coordinates in the curated data must not be typed by hand: `kg gazetteer`
(and tests/test_pictures.py) compares every zl:adminCode, wgs84 lat/long and the
recorded source version with what cpca's resources/adcodes.csv says, and
`kg gazetteer --print` gives the Turtle lines to paste. Names are looked up as
printed in zh; a parent code disambiguates names that occur more than once
(e.g. 城关区 exists in several provinces).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS

from .namespaces import GEO, ZL

PACKAGE = "cpca"
TABLE = "resources/adcodes.csv"


@dataclass(frozen=True)
class Division:
    code: str  # 6-digit GB/T 2260 code (cpca stores 12 digits: the county-level code and six zeros)
    name: str
    lat: Decimal | None  # a few rows of the table have no coordinates
    lon: Decimal | None


class GazetteerError(LookupError):
    """A name not in the table, or one that stays ambiguous under the given parent."""


def version() -> str:
    return metadata.version(PACKAGE)


def source_iri() -> str:
    """The release of cpca the codes come from, as recorded in the data (dcterms:source)."""
    return f"https://pypi.org/project/{PACKAGE}/{version()}/"


@lru_cache(maxsize=1)
def table() -> tuple[Division, ...]:
    """Every row of cpca's adcodes.csv, codes cut to the six digits GB/T 2260 defines."""
    path = resources.files(PACKAGE).joinpath(TABLE)
    rows = []
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            code = r["adcode"].strip()
            if len(code) != 12 or not code.endswith("000000"):
                continue  # township-level rows (none in 0.5.5) have no GB/T 2260 code
            lat, lon = r["latitude"].strip(), r["longitude"].strip()
            rows.append(Division(code[:6], r["name"].strip(), Decimal(lat) if lat else None, Decimal(lon) if lon else None))
    return tuple(rows)


def within(code: str, parent: str) -> bool:
    """Whether a code lies inside a parent's: a province keeps 2 digits, a prefecture 4."""
    prefix = parent[:2] if parent.endswith("0000") else parent[:4] if parent.endswith("00") else parent
    return code != parent and code.startswith(prefix)


def lookup(name: str, parent: str | None = None) -> Division:
    """The division called `name` (zh, as cpca spells it), inside `parent` (a 6-digit code) if given."""
    hits = [d for d in table() if d.name == name and (parent is None or within(d.code, parent))]
    if len(hits) != 1:
        where = f" inside {parent}" if parent else ""
        raise GazetteerError(f"{name}{where}: {len(hits)} matches in {PACKAGE} {version()}"
                             + (f" ({', '.join(d.code for d in hits)}; give the parent code)" if hits else ""))
    return hits[0]


def by_code(code: str) -> Division | None:
    return next((d for d in table() if d.code == code), None)


ADMIN_AREAS = URIRef("https://schema.org/AdministrativeArea")
LOCALITY = ZL.Locality
PARENTS = (ZL.parentCity, ZL.province, URIRef("https://schema.org/containedInPlace"))


def expected(graph: Graph) -> dict[URIRef, Division]:
    """What the gazetteer says for every locality and administrative area in the graph, looked up by its
    zh label inside its parent (parent city, else province), parents first."""
    from rdflib.namespace import RDF

    places = set(graph.subjects(RDF.type, LOCALITY)) | set(graph.subjects(RDF.type, ADMIN_AREAS))
    out: dict[URIRef, Division] = {}

    def resolve(node: URIRef, depth: int = 0) -> Division:
        if node in out:
            return out[node]
        zh = next((str(l) for l in graph.objects(node, RDFS.label) if getattr(l, "language", None) == "zh"), None)
        if zh is None or depth > 3:
            raise GazetteerError(f"{node}: no zh label to look up")
        parent = next((p for pred in PARENTS for p in graph.objects(node, pred) if p in places), None)
        out[node] = lookup(zh, resolve(parent, depth + 1).code if parent is not None else None)
        return out[node]

    for node in sorted(places):
        resolve(node)
    return out


def check(graph: Graph) -> list[str]:
    """One line per place whose recorded code, coordinates or source differ from the gazetteer's."""
    problems = []
    try:
        wanted = expected(graph)
    except GazetteerError as exc:
        return [str(exc)]
    src = URIRef(source_iri())
    for node, d in sorted(wanted.items()):
        have = {
            "zl:adminCode": [str(v) for v in graph.objects(node, ZL.adminCode)],
            "geo:lat": [Decimal(str(v)) for v in graph.objects(node, GEO.lat)],
            "geo:long": [Decimal(str(v)) for v in graph.objects(node, GEO.long)],
            "dcterms:source": [v for v in graph.objects(node, DCTERMS.source) if str(v).startswith("https://pypi.org/project/cpca/")],
        }
        want = {"zl:adminCode": [d.code], "geo:lat": [d.lat], "geo:long": [d.lon], "dcterms:source": [src]}
        for key in want:
            if have[key] != want[key]:
                problems.append(f"{node}: {key} is {[str(v) for v in have[key]] or 'missing'}, "
                                f"{PACKAGE} {version()} says {str(want[key][0])} ({d.name})")
    return problems


def turtle_lines(d: Division) -> str:
    """The statements to add to a place's block (then `kg fmt` the file)."""
    return (f'    zl:adminCode "{d.code}" ;\n    geo:lat {d.lat} ;\n    geo:long {d.lon} ;\n'
            f"    dcterms:source <{source_iri()}> ;")


def source_block() -> str:
    """The description of the cpca release, for kg/data/places.ttl."""
    return (f"<{source_iri()}> a dcterms:BibliographicResource ;\n"
            f'    rdfs:label "{PACKAGE} {version()}：中国省市区划代码与经纬度表"@zh , '
            f'"{PACKAGE} {version()}: table of Chinese division codes and coordinates (resources/adcodes.csv)"@en ;\n'
            f'    dcterms:hasVersion "{version()}" .')


def load_graph(data_dir: Path | None = None) -> Graph:
    from .dataset import curated_files, load_rdflib
    from .paths import DATA

    return load_rdflib(curated_files(data_dir or DATA))
