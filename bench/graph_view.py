"""Section 4: the graph view in headless Chromium: time until interactive and click-to-panel latency.

Run alone: .venv/bin/python bench/graph_view.py [--runs 5]. "Interactive" is vis-network's
first afterDrawing after the data arrived, measured from navigation start; "click to panel" is
from the mouse click to the panel showing the node's details (for the curated graph, including
the fetched evidence). Each run uses a fresh browser context.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import httpx
from playwright.sync_api import sync_playwright

from common import Spread, zhili_server

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
CASES = [("curated graph", "/graph", "mechanism:red-property", "#panel .adopter ul.evidence li", True),
         ("synthetic, about 1,000 nodes", "/graph?synthetic=600", "locality:l3", "#panel ul.neighbours li", False),
         ("synthetic, about 3,000 nodes", "/graph?synthetic=2600", "locality:l3", "#panel ul.neighbours li", False)]


def measure(page, url: str, node: str, wait_for: str, with_detail: bool) -> tuple[float, float]:
    """Time until interactive, and click to panel: from the pointerdown on the node to the animation
    frame that shows its panel (with the fetched details and evidence where the node has them),
    both timestamped inside the page, so the browser driver's own polling is not counted."""
    page.goto(url)
    page.wait_for_selector("#graph-app[data-ready='1']", timeout=120000)
    ready = page.evaluate("window.zhiliGraphReady")
    page.evaluate(f"window.zhiliNetwork.focus('{node}', {{scale: 1.0}})")
    x, y = page.evaluate("""id => { const net = window.zhiliNetwork; const p = net.canvasToDOM(net.getPosition(id));
        const r = document.querySelector('#network canvas').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""", node)
    page.evaluate("() => { window.__clickAt = null; window.zhiliPanelFrame = null; document.querySelector('#network canvas')"
                  ".addEventListener('pointerdown', () => { window.__clickAt = performance.now(); }, {once: true}); }")
    page.mouse.click(x, y)
    page.wait_for_selector(wait_for)
    for _ in range(200):  # the page's CSP forbids eval, so poll from here rather than wait_for_function
        frame = page.evaluate("window.zhiliPanelFrame")
        # (in the dense synthetic layouts a neighbour drawn on top may be the node under the pointer)
        if frame and (frame["node"] == node or not with_detail) and (frame["detail"] or not with_detail):
            return ready, frame["at"] - page.evaluate("window.__clickAt")
        page.wait_for_timeout(10)
    raise RuntimeError(f"no panel frame for {node}: {page.evaluate('window.zhiliPanelFrame')}")


@dataclass
class GraphCase:
    name: str
    nodes: int = 0
    edges: int = 0
    interactive: Spread = field(default_factory=Spread)
    click: Spread = field(default_factory=Spread)


def run(runs: int = 5) -> list[GraphCase]:
    results = []
    # synthetic graphs are served only by a server started for benchmarks
    with zhili_server({"ZHILI_BENCH_SYNTHETIC": "1"}) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            for name, path, node, selector, with_detail in CASES:
                case = GraphCase(name)
                graph = httpx.get(server.url + "/api/graph" + path.replace("/graph", ""), timeout=120).json()
                case.nodes, case.edges = len(graph["nodes"]), len(graph["edges"])
                for _ in range(runs):
                    context = browser.new_context(viewport={"width": 1500, "height": 950})
                    ready, panel = measure(context.new_page(), server.url + path, node, selector, with_detail)
                    case.interactive.add(ready)
                    case.click.add(panel)
                    context.close()
                results.append(case)
        finally:
            browser.close()
    return results


def report(cases: list[GraphCase], runs: int) -> list[str]:
    lines = ["## 4. Graph view (headless Chromium)", "",
             f"{runs} runs per case, each in a fresh browser context. Cells: **median** (min–max), ms.", "",
             "| graph | nodes | edges | time until interactive | click to panel |", "|---|---|---|---|---|"]
    for c in cases:
        lines.append(f"| {c.name} | {c.nodes:,} | {c.edges:,} | {c.interactive.cell(0)} | {c.click.cell(1)} |")
    return lines


def headline(cases: list[GraphCase]) -> list[tuple[str, str, str, bool | None]]:
    curated, big = cases[0], cases[-1]
    return [("graph view, curated graph: interactive (ms)", f"{curated.interactive.median:.0f}", "< 1,000 ms",
             curated.interactive.median < 1000),
            ("graph view, curated graph: click to panel (ms)", f"{curated.click.median:.0f}", "< 100 ms",
             curated.click.median < 100),
            (f"graph view, {big.nodes:,} nodes: interactive (ms)", f"{big.interactive.median:.0f}", "< 3,000 ms",
             big.interactive.median < 3000)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("\n".join(report(run(args.runs), args.runs)))


if __name__ == "__main__":
    main()
