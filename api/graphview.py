"""The network behind /graph: built with networkx, laid out server-side, options from pyvis.

pyvis supplies the vis-network node/edge/options model; its HTML template is not
used (it loads from CDNs, has no click callbacks and does not escape its heading),
the page is our own template with vendored vis-network.
"""

from __future__ import annotations

import math
import random

import networkx as nx
from pyvis.network import Network

from .catalog import Catalog

PALETTE = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
           "#ff7f0e", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#31a354"]
LOCALITY_COLOR = "#b3261e"
DOCUMENT_COLOR = "#9e9e9e"
SPRING_LIMIT = 500  # above this many nodes a linear-time layout replaces spring_layout (and scipy)


def build_graph(cat: Catalog) -> nx.Graph:
    """Localities, mechanisms and documents; adoption edges carry the local names."""
    g = nx.Graph()
    categories = sorted(cat.categories.values(), key=lambda c: c.label.en)
    colors = {c.iri: PALETTE[i % len(PALETTE)] for i, c in enumerate(categories)}
    for loc in cat.localities.values():
        g.add_node(f"locality:{loc.id}", kind="locality", ref=loc.id, zh=loc.label.zh, en=loc.label.en,
                   category="", color=LOCALITY_COLOR)
    for m in cat.mechanisms.values():
        if m.adoptions:
            g.add_node(f"mechanism:{m.id}", kind="mechanism", ref=m.id, zh=m.label.zh, en=m.label.en,
                       category=cat.categories[m.category].id, color=colors[m.category], excluded=m.excluded)
    for a in cat.adoptions.values():
        u, v = f"locality:{cat.localities[a.locality].id}", f"mechanism:{cat.mechanisms[a.mechanism].id}"
        if g.has_edge(u, v):
            g.edges[u, v]["names"].append(a.local_name)
            g.edges[u, v]["restated"] = g.edges[u, v]["restated"] and a.restated  # restated only if every adoption is
        else:
            g.add_edge(u, v, kind="adoption", names=[a.local_name], restated=a.restated)
    for d in cat.documents.values():
        node = f"document:{d.id}"
        g.add_node(node, kind="document", ref=d.id, zh=d.title, en=d.label.en, category="", color=DOCUMENT_COLOR)
        for loc in d.cited_by:
            if loc in cat.localities:
                g.add_edge(node, f"locality:{cat.localities[loc].id}", kind="cites", names=[])
        for m in d.establishes:
            if f"mechanism:{cat.mechanisms[m].id}" in g:
                g.add_edge(node, f"mechanism:{cat.mechanisms[m].id}", kind="establishes", names=[])
    return g


def layout(g: nx.Graph, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Positions in pixels, computed once so the browser needs no physics."""
    if g.number_of_nodes() < SPRING_LIMIT:  # networkx switches to a scipy-only algorithm at 500
        pos = nx.spring_layout(g, seed=seed, k=1.6 / math.sqrt(max(g.number_of_nodes(), 1)), iterations=200)
        scale = 120 * math.sqrt(g.number_of_nodes())
        return {n: (x * scale, y * scale) for n, (x, y) in pos.items()}
    # Large graphs: localities on a circle, everything else at the mean of its neighbours plus jitter: O(n + m).
    rng = random.Random(seed)
    locs = [n for n, d in g.nodes(data=True) if d["kind"] == "locality"]
    radius = 60 * math.sqrt(g.number_of_nodes())
    pos = {n: (radius * math.cos(2 * math.pi * i / len(locs)), radius * math.sin(2 * math.pi * i / len(locs)))
           for i, n in enumerate(locs)}
    for n in g.nodes:
        if n in pos:
            continue
        anchors = [pos[m] for m in g.neighbors(n) if m in pos] or [(0.0, 0.0)]
        cx = sum(p[0] for p in anchors) / len(anchors)
        cy = sum(p[1] for p in anchors) / len(anchors)
        spread = radius * 0.35
        pos[n] = (cx * 0.55 + rng.uniform(-spread, spread), cy * 0.55 + rng.uniform(-spread, spread))
    return pos


def to_vis(g: nx.Graph, cat: Catalog | None = None) -> dict:
    """Nodes, edges and options for vis-network, through pyvis's model."""
    pos = layout(g)
    net = Network(directed=False, cdn_resources="remote")
    for n, d in g.nodes(data=True):
        x, y = pos[n]
        size = 10 + 3 * math.sqrt(g.degree(n)) if d["kind"] != "document" else 8
        net.add_node(n, label=d["en"], x=round(x, 1), y=round(y, 1), color=d["color"], size=round(size, 1),
                     shape={"locality": "dot", "mechanism": "dot", "document": "square"}[d["kind"]])
    net.toggle_physics(False)
    nodes, _, _, _, _, options = net.get_network_data()
    # pyvis's add_edge scans every edge it has (quadratic); the edge model is plain, so build it directly
    edges = [{"from": u, "to": v, "width": 1} for u, v in g.edges()]
    by_id = dict(g.nodes(data=True))
    for node in nodes:
        d = by_id[node["id"]]
        node.update(kind=d["kind"], ref=d["ref"], zh=d["zh"], en=d["en"], category=d["category"],
                    hidden=d["kind"] == "document")
        if d["kind"] == "mechanism":
            node.update(excluded=d.get("excluded", False))
    edge_data = {frozenset((u, v)): d for u, v, d in g.edges(data=True)}
    for i, edge in enumerate(edges):
        d = edge_data[frozenset((edge["from"], edge["to"]))]
        edge.update(id=f"e{i}", kind=d["kind"], names=d["names"], hidden=d["kind"] != "adoption",
                    restated=d.get("restated", False))
    payload = {"nodes": nodes, "edges": edges, "options": _options(options)}
    if cat is not None:
        categories = sorted(cat.categories.values(), key=lambda c: c.label.en)
        payload["categories"] = [{"id": c.id, "zh": c.label.zh, "en": c.label.en, "color": PALETTE[i % len(PALETTE)]}
                                 for i, c in enumerate(categories)]
        payload["localities"] = [{"id": l.id, "zh": l.label.zh, "en": l.label.en}
                                 for l in sorted(cat.localities.values(), key=lambda l: l.id)]
    return payload


def _options(raw) -> dict:
    import json

    options = json.loads(raw) if isinstance(raw, str) else raw
    options["physics"] = {"enabled": False}
    options["interaction"] = {"hover": True, "tooltipDelay": 200, "hideEdgesOnDrag": True}
    options["edges"] = {"color": {"color": "#c8c2b6", "highlight": "#b3261e"}, "smooth": False, "width": 1}
    options["nodes"] = {"font": {"size": 14, "face": "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"}}
    options["layout"] = {"improvedLayout": False}
    return options


def synthetic(n_localities: int, mechanisms: int = 400, per_locality: int = 8, seed: int = 1) -> nx.Graph:
    """A synthetic locality–mechanism graph with the same attributes, for size tests and benchmarks."""
    rng = random.Random(seed)
    g = nx.Graph()
    weights = [1 / (i + 1) for i in range(mechanisms)]
    for m in range(mechanisms):
        g.add_node(f"mechanism:m{m}", kind="mechanism", ref=f"m{m}", zh=f"机制{m}", en=f"mechanism {m}",
                   category=f"category-{m % 15}", color=PALETTE[m % 15])
    for i in range(n_localities):
        node = f"locality:l{i}"
        g.add_node(node, kind="locality", ref=f"l{i}", zh=f"地方{i}", en=f"locality {i}", category="", color=LOCALITY_COLOR)
        for m in set(rng.choices(range(mechanisms), weights=weights, k=per_locality)):
            g.add_edge(node, f"mechanism:m{m}", kind="adoption", names=[f"名称{m}"])
    return g
