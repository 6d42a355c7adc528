"""`kg export`: the whole dataset as Turtle, N-Quads, JSON-LD or CSV (one row per adoption)."""

from __future__ import annotations

import csv
import io
import json
from functools import lru_cache

import pyoxigraph as ox

from .paths import CONTEXT_FILE
from .store import build_store, select

FORMATS = ("turtle", "nquads", "jsonld", "csv")

_ADOPTION_ROWS = """
SELECT ?adoption ?locality ?localityZh ?localityEn ?mechanism ?mechanismZh ?mechanismEn ?categoryEn
       ?localName ?gloss ?detailsEn
       (GROUP_CONCAT(DISTINCT ?exact; SEPARATOR=" | ") AS ?evidence)
       (GROUP_CONCAT(DISTINCT ?source; SEPARATOR=" ") AS ?sources)
WHERE {
  ?adoption a zl:Adoption ; zl:locality ?locality ; zl:mechanism ?mechanism ; zl:localName ?localName ; zl:gloss ?gloss .
  ?locality rdfs:label ?localityZh , ?localityEn . FILTER(LANG(?localityZh) = "zh" && LANG(?localityEn) = "en")
  ?mechanism skos:prefLabel ?mechanismZh , ?mechanismEn ; skos:broader* ?category .
  ?category a zl:MechanismCategory ; skos:prefLabel ?categoryEn .
  FILTER(LANG(?mechanismZh) = "zh" && LANG(?mechanismEn) = "en" && LANG(?categoryEn) = "en")
  OPTIONAL { ?adoption zl:details ?detailsEn . FILTER(LANG(?detailsEn) = "en") }
  OPTIONAL { ?ann oa:hasBody ?adoption ; oa:hasTarget ?t . ?t oa:hasSource ?source ; oa:hasSelector/oa:exact ?exact . }
}
GROUP BY ?adoption ?locality ?localityZh ?localityEn ?mechanism ?mechanismZh ?mechanismEn ?categoryEn ?localName ?gloss ?detailsEn
ORDER BY ?locality ?adoption
"""


def export(fmt: str, store: ox.Store | None = None) -> bytes:
    """Serialize the whole dataset in fmt."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    store = store or build_store()
    if fmt == "nquads":
        return store.dump(format=ox.RdfFormat.N_QUADS)
    union = ox.Store()
    union.extend(ox.Quad(q.subject, q.predicate, q.object) for q in store)
    if fmt == "turtle":
        return union.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=_prefixes())
    if fmt == "jsonld":
        from rdflib import Graph

        context = jsonld_context()
        graph = Graph().parse(data=union.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode("utf-8"),
                              format="nt")
        return graph.serialize(format="json-ld", context=context, auto_compact=True).encode("utf-8")
    rows = select(store, _ADOPTION_ROWS)
    buffer = io.StringIO()
    columns = ["adoption", "locality", "localityZh", "localityEn", "mechanism", "mechanismZh", "mechanismEn",
               "categoryEn", "localName", "gloss", "detailsEn", "evidence", "sources"]
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c) or "" for c in columns})
    return buffer.getvalue().encode("utf-8")


@lru_cache(maxsize=1)
def jsonld_context() -> dict:
    """The project's JSON-LD context (ontology/context.jsonld), read once."""
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]


def _prefixes() -> dict[str, str]:
    from .namespaces import PREFIXES

    return dict(PREFIXES)
