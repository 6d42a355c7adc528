"""Graph view timings in headless Chromium: time until interactive and click-to-panel latency.

Run: .venv/bin/python bench/graph_view.py [--runs 5]. Starts `kg serve` on a free port.
"Interactive" is vis-network's first afterDrawing after the data arrived, measured from
navigation start; "click to panel" is from the mouse click to the panel showing the node's
details (for the curated graph, including the fetched evidence).
"""

from __future__ import annotations

import argparse
import statistics

import httpx
from playwright.sync_api import sync_playwright

from server import served

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]




def measure(page, url: str, node: str, wait_for: str) -> tuple[float, float]:
    page.goto(url)
    page.wait_for_selector("#graph-app[data-ready='1']", timeout=120000)
    ready = page.evaluate("window.zhiliGraphReady")
    page.evaluate(f"window.zhiliNetwork.focus('{node}', {{scale: 1.0}})")
    x, y = page.evaluate("""id => { const net = window.zhiliNetwork; const p = net.canvasToDOM(net.getPosition(id));
        const r = document.querySelector('#network canvas').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""", node)
    page.evaluate("() => { window.__clickAt = null; document.querySelector('#network canvas').addEventListener('pointerdown', () => { window.__clickAt = performance.now(); }, {once: true}); }")
    page.mouse.click(x, y)
    page.wait_for_selector(wait_for)
    panel = page.evaluate("performance.now() - window.__clickAt")
    return ready, panel


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with served() as url:
        cases = [("curated graph", "/graph", "mechanism:red-property", "#panel .adopter ul.evidence li"),
                 ("synthetic 1,000 nodes", "/graph?synthetic=600", "locality:l3", "#panel ul.neighbours li"),
                 ("synthetic 3,000 nodes", "/graph?synthetic=2600", "locality:l3", "#panel ul.neighbours li")]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, path, node, selector in cases:
                readies, panels = [], []
                for _ in range(args.runs):
                    context = browser.new_context(viewport={"width": 1500, "height": 950})
                    page = context.new_page()
                    ready, panel = measure(page, url + path, node, selector)
                    readies.append(ready)
                    panels.append(panel)
                    context.close()
                nodes = httpx.get(url + "/api/graph" + path.replace("/graph", ""), timeout=120).json()["nodes"]
                print(f"{name:24s} ({len(nodes):5d} nodes)  interactive median {statistics.median(readies):7.0f} ms "
                      f"(min {min(readies):.0f}, max {max(readies):.0f})   click-to-panel median {statistics.median(panels):6.1f} ms "
                      f"(min {min(panels):.1f}, max {max(panels):.1f})  n={args.runs}")
            browser.close()


if __name__ == "__main__":
    main()
