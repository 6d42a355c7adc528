"""networkx analysis agrees with the graph it was built from."""

from __future__ import annotations

import pytest

from kg.analysis import (UnknownLocality, bipartite_graph, compare_localities, jaccard, localities_of,
                         mechanisms_of, resolve_locality, similarity_matrix, spread)
from kg.store import select


def test_bipartite_graph_mirrors_adoptions(store):
    graph = bipartite_graph(store)
    rows = select(store, "SELECT DISTINCT ?l ?m WHERE { ?a a zl:Adoption ; zl:locality ?l ; zl:mechanism ?m }")
    assert graph.number_of_edges() == len(rows)
    assert len(localities_of(graph)) == 7


def test_similarity_is_jaccard_over_concepts(store):
    graph = bipartite_graph(store)
    sims = similarity_matrix(graph)
    (a, b), value = next(iter(sims.items()))
    A, B = mechanisms_of(graph, a), mechanisms_of(graph, b)
    assert value == pytest.approx(len(A & B) / len(A | B))
    assert all(0.0 <= v <= 1.0 for v in sims.values())
    assert jaccard({1, 2}, {2, 3}) == pytest.approx(1 / 3)


def test_spread_counts_localities(store):
    rows = spread(bipartite_graph(store))
    top = rows[0]
    n = select(store, f"SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE {{ ?a zl:mechanism <{top['mechanism']}> ; zl:locality ?l }}")[0]["n"]
    assert top["localities"] == n and top["share"] == pytest.approx(n / 7, abs=1e-3)
    assert [r["localities"] for r in rows] == sorted((r["localities"] for r in rows), reverse=True)


def test_compare_three_localities(store):
    out = compare_localities(store, ["Jinchang", "兰州市", "jiuquan"])
    assert len(out["localities"]) == 3 and len(out["similarity"]) == 3
    graph = bipartite_graph(store)
    ids = [l["iri"] for l in out["localities"]]
    shared = set.intersection(*(mechanisms_of(graph, i) for i in ids))
    assert {m["iri"] for m in out["shared"]} == shared
    for m in out["shared"]:
        assert set(m["local_names"]) == {"Jinchang", "Lanzhou", "Jiuquan"}


def test_resolve_locality_names(store):
    assert resolve_locality(store, "珠山区").endswith("/zhushan")
    assert resolve_locality(store, "tonghua county").endswith("/tonghua-county")
    with pytest.raises(UnknownLocality):
        resolve_locality(store, "Atlantis")
    with pytest.raises(UnknownLocality):
        compare_localities(store, ["金昌市", "Jinchang"])
