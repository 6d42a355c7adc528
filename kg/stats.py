"""`kg stats`: how much the graph holds, overall and per locality."""

from __future__ import annotations

import pyoxigraph as ox

from .store import build_store, select

_TOTALS = {
    "localities": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a zl:Locality }",
    "mechanism_categories": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a zl:MechanismCategory }",
    "mechanism_concepts": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a zl:Mechanism }",
    "adoptions": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a zl:Adoption }",
    "figures": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a zl:Figure }",
    "tier_chains": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a zl:TierChain }",
    "tiers": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a zl:Tier }",
    "documents": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a zl:PolicyDocument }",
    "annotations": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a oa:Annotation }",
    "layout_notes": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a zl:LayoutNote }",
    "sources": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a zl:SourceDocument }",
}

_PER_LOCALITY = """
SELECT ?loc ?zh ?en ?adoptions ?mechanisms ?figures ?tiers ?documents WHERE {
  ?loc a zl:Locality ; rdfs:label ?zh , ?en .
  FILTER(LANG(?zh) = "zh" && LANG(?en) = "en")
  { SELECT ?loc (COUNT(DISTINCT ?a) AS ?adoptions) (COUNT(DISTINCT ?m) AS ?mechanisms)
    WHERE { ?loc a zl:Locality . OPTIONAL { ?a a zl:Adoption ; zl:locality ?loc ; zl:mechanism ?m } } GROUP BY ?loc }
  { SELECT ?loc (COUNT(DISTINCT ?f) AS ?figures)
    WHERE { ?loc a zl:Locality . OPTIONAL { ?f a zl:Figure ; zl:locality ?loc } } GROUP BY ?loc }
  { SELECT ?loc (COUNT(DISTINCT ?t) AS ?tiers)
    WHERE { ?loc a zl:Locality . OPTIONAL { ?c zl:locality ?loc ; zl:hasTier ?t } } GROUP BY ?loc }
  { SELECT ?loc (COUNT(DISTINCT ?d) AS ?documents)
    WHERE { ?loc a zl:Locality . OPTIONAL { ?d a zl:PolicyDocument ; zl:citedBy ?loc } } GROUP BY ?loc }
}
ORDER BY ?loc
"""


def compute_stats(store: ox.Store | None = None, run=None, triples: int | None = None) -> dict:
    """Totals, triple count and one entry per locality (run: a SELECT function, for other stores)."""
    if run is None:
        store = store or build_store()
        run = lambda q: select(store, q)  # noqa: E731
        triples = len(store)
    totals = {key: run(q)[0]["n"] for key, q in _TOTALS.items()}
    totals["triples"] = triples
    per = {}
    for row in run(_PER_LOCALITY):
        key = row["loc"].rsplit("/", 1)[-1]
        per[key] = {k: row[k] for k in ("zh", "en", "adoptions", "mechanisms", "figures", "tiers", "documents")}
    return {"totals": totals, "localities": per}


def format_stats(stats: dict) -> str:
    lines = [f"{key:22} {value}" for key, value in stats["totals"].items()]
    lines.append("")
    lines.append(f"{'locality':18} {'adoptions':>9} {'mechanisms':>10} {'figures':>7} {'tiers':>5} {'documents':>9}")
    for key, row in stats["localities"].items():
        lines.append(
            f"{key:18} {row['adoptions']:>9} {row['mechanisms']:>10} {row['figures']:>7} {row['tiers']:>5} {row['documents']:>9}  {row['zh']} {row['en']}"
        )
    return "\n".join(lines)
