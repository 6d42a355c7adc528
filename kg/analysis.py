"""networkx analysis: the locality–mechanism bipartite graph, similarity and spread."""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import pyoxigraph as ox

from .store import select

_ADOPTIONS = """
SELECT ?loc ?locZh ?locEn ?mech ?mechZh ?mechEn ?cat ?catEn ?adoption ?localName WHERE {
  ?adoption a zl:Adoption ; zl:locality ?loc ; zl:mechanism ?mech ; zl:localName ?localName .
  ?loc rdfs:label ?locZh , ?locEn . FILTER(LANG(?locZh) = "zh" && LANG(?locEn) = "en")
  ?mech skos:prefLabel ?mechZh , ?mechEn ; skos:broader ?cat . FILTER(LANG(?mechZh) = "zh" && LANG(?mechEn) = "en")
  ?cat skos:prefLabel ?catEn . FILTER(LANG(?catEn) = "en")
}"""

_LOCALITIES = """
SELECT ?loc ?label WHERE { ?loc a zl:Locality ; rdfs:label ?label }"""


class UnknownLocality(LookupError):
    """A name that matches no curated locality."""


def bipartite_graph(store: ox.Store) -> nx.Graph:
    """Localities and mechanisms as two node sets; an edge per adoption (local names kept)."""
    graph = nx.Graph()
    for row in select(store, _ADOPTIONS):
        graph.add_node(row["loc"], kind="locality", zh=row["locZh"], en=row["locEn"], bipartite=0)
        graph.add_node(row["mech"], kind="mechanism", zh=row["mechZh"], en=row["mechEn"],
                       category=row["cat"], category_en=row["catEn"], bipartite=1)
        if graph.has_edge(row["loc"], row["mech"]):
            graph.edges[row["loc"], row["mech"]]["local_names"].add(row["localName"])
            graph.edges[row["loc"], row["mech"]]["adoptions"].add(row["adoption"])
        else:
            graph.add_edge(row["loc"], row["mech"], local_names={row["localName"]}, adoptions={row["adoption"]})
    return graph


def localities_of(graph: nx.Graph) -> list[str]:
    return sorted(n for n, d in graph.nodes(data=True) if d["kind"] == "locality")


def mechanisms_of(graph: nx.Graph, locality: str) -> set[str]:
    return set(graph.neighbors(locality))


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def similarity_matrix(graph: nx.Graph) -> dict[tuple[str, str], float]:
    """Jaccard similarity over mechanism concepts for every pair of localities."""
    locs = localities_of(graph)
    return {(a, b): jaccard(mechanisms_of(graph, a), mechanisms_of(graph, b)) for a, b in combinations(locs, 2)}


def spread(graph: nx.Graph) -> list[dict]:
    """How widely each mechanism has spread: number and share of localities adopting it."""
    total = len(localities_of(graph)) or 1
    rows = []
    for node, data in graph.nodes(data=True):
        if data["kind"] == "mechanism":
            degree = graph.degree(node)
            rows.append({"mechanism": node, "zh": data["zh"], "en": data["en"], "category": data["category_en"],
                         "localities": degree, "share": round(degree / total, 3)})
    return sorted(rows, key=lambda r: (-r["localities"], r["mechanism"]))


def resolve_locality(store: ox.Store, name: str) -> str:
    """A locality IRI from its zh or en name, its id, or a unique substring of a name."""
    needle = name.strip().lower()
    rows = select(store, _LOCALITIES)
    exact = {r["loc"] for r in rows if r["label"].lower() == needle or r["loc"].rsplit("/", 1)[-1] == needle}
    if len(exact) == 1:
        return exact.pop()
    partial = {r["loc"] for r in rows if needle and needle in r["label"].lower()}
    if len(partial) == 1:
        return partial.pop()
    known = sorted({r["label"] for r in rows})
    reason = "is ambiguous" if partial else "matches no locality"
    raise UnknownLocality(f"{name!r} {reason}; known localities: {', '.join(known)}")


def compare_localities(store: ox.Store, names: list[str]) -> dict:
    """Shared and unique mechanisms, variants of shared concepts, and pairwise Jaccard."""
    iris = list(dict.fromkeys(resolve_locality(store, n) for n in names))
    if len(iris) < 2:
        raise UnknownLocality("name at least two different localities to compare")
    graph = bipartite_graph(store)
    sets = {iri: mechanisms_of(graph, iri) if iri in graph else set() for iri in iris}
    shared = set.intersection(*sets.values())
    label = lambda n: {"iri": n, "zh": graph.nodes[n]["zh"], "en": graph.nodes[n]["en"]}  # noqa: E731
    variants = []
    for mech in sorted(shared):
        names_by_loc = {graph.nodes[l]["en"]: sorted(graph.edges[l, mech]["local_names"]) for l in iris}
        variants.append({**label(mech), "local_names": names_by_loc})
    return {
        "localities": [label(i) for i in iris],
        "shared": variants,
        "unique": {graph.nodes[i]["en"]: [label(m) for m in sorted(sets[i] - set.union(*(sets[j] for j in iris if j != i)))]
                   for i in iris},
        "similarity": [
            {"a": graph.nodes[a]["en"], "b": graph.nodes[b]["en"], "jaccard": round(jaccard(sets[a], sets[b]), 3),
             "shared": len(sets[a] & sets[b])}
            for a, b in combinations(iris, 2)
        ],
    }


def format_comparison(result: dict) -> str:
    lines = ["Localities: " + ", ".join(f"{l['zh']} ({l['en']})" for l in result["localities"]), ""]
    lines.append(f"Shared mechanisms ({len(result['shared'])}):")
    for m in result["shared"]:
        variants = "; ".join(f"{loc}: {' / '.join(names)}" for loc, names in m["local_names"].items())
        lines.append(f"  {m['zh']} ({m['en']}) — {variants}")
    for loc, mechs in result["unique"].items():
        lines.append("")
        lines.append(f"Only {loc} ({len(mechs)}): " + ", ".join(f"{m['zh']} ({m['en']})" for m in mechs))
    lines.append("")
    for s in result["similarity"]:
        lines.append(f"Jaccard {s['a']} ~ {s['b']}: {s['jaccard']} ({s['shared']} shared)")
    return "\n".join(lines)
