"""The network behind /graph: built with networkx, laid out server-side, options from pyvis.

pyvis supplies the vis-network node/edge/options model; its HTML template is not
used (it loads from CDNs, has no click callbacks and does not escape its heading),
the page is our own template with vendored vis-network.

The layout is made for this bipartite graph rather than a generic force layout, so the
view is readable when it opens: localities on a ring (neighbours on the ring share the
most mechanisms), each locality's own mechanisms fanned out beyond it grouped by
category, shared mechanisms between the localities that share them, and then label
boxes pushed apart (numpy) so that the browser can label most nodes at the first zoom.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

import networkx as nx
import numpy as np
from pyvis.network import Network

from .catalog import Catalog

PALETTE = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
           "#ff7f0e", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#31a354"]
LOCALITY_COLOR = "#b3261e"
DOCUMENT_COLOR = "#9e9e9e"
DESIGNED_LIMIT = 500  # above this many nodes a linear-time layout replaces the designed one (its O(n²) step)
SEPARATE_LIMIT = 300  # label boxes are pushed apart up to this many nodes
RING = 1000.0  # radius of the locality ring, in layout units (about pixels at zoom 1)
WRAP = 18  # characters per line of an English label in the graph
VIEW = (950.0, 620.0)  # about the pixels (width, height) the browser fits the drawing into
ASPECT = 1.5  # the ring is an ellipse, as wide as the canvas is


def build_graph(cat: Catalog) -> nx.Graph:
    """Localities, mechanisms and documents; adoption edges carry the local names."""
    g = nx.Graph()
    categories = sorted(cat.categories.values(), key=lambda c: c.label.en)
    colors = {c.iri: PALETTE[i % len(PALETTE)] for i, c in enumerate(categories)}
    for loc in cat.localities.values():
        g.add_node(f"locality:{loc.id}", kind="locality", ref=loc.id, zh=loc.label.zh, en=loc.label.en,
                   category="", color=LOCALITY_COLOR, adcode=getattr(loc, "adcode", None), aka=[])
    for m in cat.mechanisms.values():
        if m.adoptions:
            g.add_node(f"mechanism:{m.id}", kind="mechanism", ref=m.id, zh=m.label.zh, en=m.label.en,
                       category=cat.categories[m.category].id, color=colors[m.category], excluded=m.excluded,
                       aka=[[alt, ""] for alt in m.alt_labels])
    for a in cat.adoptions.values():
        u, v = f"locality:{cat.localities[a.locality].id}", f"mechanism:{cat.mechanisms[a.mechanism].id}"
        # every name a locality uses for the mechanism is searchable: local name, gloss, related terms
        g.nodes[v]["aka"].extend([term, cat.localities[a.locality].id]
                                 for term in [a.local_name, a.gloss, *a.related_terms] if term)
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
    if g.number_of_nodes() < DESIGNED_LIMIT:
        return ring_layout(g, seed)
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


def node_size(g: nx.Graph, n: str) -> float:
    """Dot radius: grows with the square root of the degree; documents are small squares."""
    return 8.0 if g.nodes[n]["kind"] == "document" else 10 + 3 * math.sqrt(g.degree(n))


def label_box(text_zh: str, text_en: str) -> tuple[float, float]:
    """Rough (width, height) of a node's label at a 12-unit font in the wider of its two languages,
    as the browser wraps it (English at about WRAP characters a line, at most two lines)."""
    en_lines = min(2, max(1, math.ceil(len(text_en) / WRAP)))
    en_width = min(len(text_en), WRAP) * 6.0
    return max(min(len(text_zh), 10) * 12.0, en_width) + 6, max(en_lines, 1) * 13.0


def _ring_order(g: nx.Graph, locs: list[str]) -> list[str]:
    """Localities in ring order: greedily, each next to the one it shares the most mechanisms with."""
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for n, d in g.nodes(data=True):
        if d["kind"] == "locality":
            continue
        adopters = sorted(m for m in g.neighbors(n) if g.nodes[m]["kind"] == "locality")
        if len(adopters) > 12:  # a mechanism everybody adopts says nothing about neighbourhood
            continue
        for i, a in enumerate(adopters):
            for b in adopters[i + 1:]:
                shared[a, b] += 1
                shared[b, a] += 1
    order = [max(locs, key=lambda l: (g.degree(l), l))] if locs else []
    rest = set(locs) - set(order)
    while rest:
        last = order[-1]
        nxt = max(sorted(rest), key=lambda l: shared.get((last, l), 0))
        order.append(nxt)
        rest.discard(nxt)
    return order


def ring_layout(g: nx.Graph, seed: int = 7) -> dict[str, tuple[float, float]]:
    """The designed layout for locality–mechanism graphs (see the module docstring)."""
    rng = random.Random(seed)
    locs = _ring_order(g, [n for n, d in g.nodes(data=True) if d["kind"] == "locality"])
    radius = RING * max(1.0, len(locs) / 7)
    pos: dict[str, tuple[float, float]] = {}
    angle = {}
    for i, n in enumerate(locs):
        a = 2 * math.pi * i / max(len(locs), 1) - math.pi / 2
        angle[n] = a
        pos[n] = (ASPECT * radius * math.cos(a), radius * math.sin(a)) if len(locs) > 1 else (0.0, 0.0)
    groups: dict[frozenset, list[str]] = defaultdict(list)
    loners: list[str] = []
    for n, d in g.nodes(data=True):
        if d["kind"] == "locality":
            continue
        adopters = frozenset(m for m in g.neighbors(n) if g.nodes[m]["kind"] == "locality")
        if adopters:
            groups[adopters].append(n)
        else:
            loners.append(n)
    order = lambda n: (g.nodes[n]["kind"], g.nodes[n].get("category", ""), g.nodes[n]["en"])  # noqa: E731
    for adopters, members in groups.items():
        members.sort(key=order)
        if len(adopters) == 1:  # one locality's own: fanned out beyond it, by category along the arcs
            (loc,) = adopters
            a0, (lx, ly) = angle[loc], pos[loc]
            placed, ring = 0, 0
            while placed < len(members):
                r = 230 + 150 * ring
                span = math.pi * 0.9
                capacity = max(3, int(span * r / 170))
                row = members[placed:placed + capacity]
                for j, n in enumerate(row):
                    t = a0 + span * ((j + 0.5) / len(row) - 0.5)
                    pos[n] = (lx + r * math.cos(t), ly + r * math.sin(t))
                placed += len(row)
                ring += 1
        else:  # shared: between the localities that share them, in a small sunflower
            cx = sum(pos[m][0] for m in adopters) / len(adopters)
            cy = sum(pos[m][1] for m in adopters) / len(adopters)
            for j, n in enumerate(members):
                r, t = 70 * math.sqrt(j), j * 2.39996
                pos[n] = (cx + r * math.cos(t), cy + r * math.sin(t))
    outer = max(radius * 1.8, len(loners) * 180 / (2 * math.pi))
    for j, n in enumerate(sorted(loners, key=order)):  # nothing to sit near: an outer ring
        t = 2 * math.pi * j / max(len(loners), 1)
        pos[n] = (outer * math.cos(t), outer * math.sin(t))
    nodes = list(g.nodes)
    if len(nodes) < 2:
        return {n: (float(x), float(y)) for n, (x, y) in pos.items()}
    xy = np.array([pos[n] for n in nodes], dtype=float) + np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)]
                                                                    for _ in nodes])
    px = np.array([label_box(g.nodes[n]["zh"], g.nodes[n]["en"]) for n in nodes])   # label (w, h) on screen
    dot = np.array([node_size(g, n) for n in nodes])
    weight = np.array([0.15 if g.nodes[n]["kind"] == "locality" else 1.0 for n in nodes])
    # The browser fits the drawing into about VIEW pixels and draws labels at a fixed size on screen,
    # so a label's box in layout units is its size in pixels over that zoom: push apart, re-estimate, repeat.
    shown = np.array([g.nodes[n]["kind"] != "document" for n in nodes])   # documents start hidden
    px[~shown] = 0.0
    if not shown.any():
        shown[:] = True
    # O(n²) a round: graphs above SEPARATE_LIMIT nodes (only synthetic ones so far) keep the designed positions
    for _ in range(3 if len(nodes) <= SEPARATE_LIMIT else 0):
        zoom = min(VIEW[0] / max(np.ptp(xy[shown, 0]), 1.0), VIEW[1] / max(np.ptp(xy[shown, 1]), 1.0))
        half = np.column_stack([np.maximum(px[:, 0] / zoom, 2 * dot) / 2, (2 * dot + 3 + px[:, 1] / zoom) / 2])
        offset = np.column_stack([np.zeros(len(nodes)), (px[:, 1] / zoom + 3) / 2])
        xy = separate(xy + offset, half, weight, rounds=80) - offset
    return {n: (float(x), float(y)) for n, (x, y) in zip(nodes, xy)}


def separate(centre: np.ndarray, half: np.ndarray, weight: np.ndarray, rounds: int = 120) -> np.ndarray:
    """Push overlapping boxes (centre ± half) apart along the axis of least overlap until none overlap
    (or the rounds run out); a node of weight w moves w/(w+w') of each push. O(n²) per round, vectorised."""
    c = centre.copy()
    n = len(c)
    if n < 2:
        return c
    eye = np.eye(n, dtype=bool)
    share = weight[:, None] / (weight[:, None] + weight[None, :])
    for _ in range(rounds):
        d = c[:, None, :] - c[None, :, :]                      # d[i, j] = c_i - c_j
        overlap = half[:, None, :] + half[None, :, :] - np.abs(d)
        hit = (overlap[..., 0] > 0) & (overlap[..., 1] > 0) & ~eye
        if not hit.any():
            break
        along_x = overlap[..., 0] < overlap[..., 1] * (VIEW[0] / VIEW[1])   # the canvas is wider than tall
        sign = np.where(d >= 0, 1.0, -1.0)
        push = np.zeros_like(d)
        push[..., 0] = np.where(hit & along_x, overlap[..., 0] * sign[..., 0], 0.0)
        push[..., 1] = np.where(hit & ~along_x, overlap[..., 1] * sign[..., 1], 0.0)
        c += (push * share[..., None]).sum(axis=1) * 0.55
    return c


def to_vis(g: nx.Graph, cat: Catalog | None = None) -> dict:
    """Nodes, edges and options for vis-network, through pyvis's model."""
    pos = layout(g)
    net = Network(directed=False, cdn_resources="remote")
    for n, d in g.nodes(data=True):
        x, y = pos[n]
        size = node_size(g, n)
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
                    hidden=d["kind"] == "document", degree=g.degree(node["id"]))
        if d.get("aka"):
            node["aka"] = d["aka"]
        if d["kind"] == "locality" and d.get("adcode"):
            node["adcode"] = str(d["adcode"])
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
    # a white halo keeps labels readable over edges and dots
    options["nodes"] = {"font": {"size": 14, "face": "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif",
                                 "strokeWidth": 3, "strokeColor": "#ffffff"}}
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
