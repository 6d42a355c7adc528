"""Zhili's benchmark harness: one command writes bench/RESULTS.md and the README's headline table.

    make bench            # = .venv/bin/python bench/run.py   (about 25–40 minutes on 2 cores)

Sections: 1 /sparql beside the Oxigraph server and rdflib-endpoint (warm and cold, apart), 2 REST
beside a trivial FastAPI endpoint, 3 scale (synthetic graphs of 7, 300 and 3,000 localities), 4 the
graph view in headless Chromium, 5 remote mode beside the same queries sent straight to the store. Absolute times drift on shared machines, so every headline is a ratio or a
figure measured in this run, with systems interleaved. `--smoke` runs every code path on tiny
sizes (the test suite does this); its output is not a benchmark.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, machine, versions  # noqa: E402

README = ROOT / "README.md"
START, END = "<!-- bench:headline:start -->", "<!-- bench:headline:end -->"


def headline_table(rows: list[tuple[str, str, str, bool | None]], when: str) -> str:
    lines = [f"Measured {when} by `make bench` (full figures, machine and versions: [bench/RESULTS.md](bench/RESULTS.md)).",
             "", "| measure (same run) | result: median (min–max over runs) | target | met |", "|---|---|---|---|"]
    for measure, value, target, met in rows:
        mark = "" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {measure} | {value} | {target} | {mark} |")
    return "\n".join(lines)


def write_readme_table(table: str) -> None:
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"README.md lacks the {START} … {END} markers")
    text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: f"{START}\n{table}\n{END}", text, flags=re.S)
    README.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default="endpoints,rest,scale,graph,remote")
    parser.add_argument("--engines", default="oxigraph,virtuoso", help="stores behind remote mode (section 5)")
    parser.add_argument("--remote-seconds", type=int, default=1, help="seconds per latency cell (section 5)")
    parser.add_argument("--runs", type=int, default=3, help="repeated runs behind every min/median/max")
    parser.add_argument("--seconds", type=int, default=1, help="seconds per latency cell (section 1)")
    parser.add_argument("--window", type=int, default=5, help="seconds per throughput window (section 1)")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--sizes", default="7,300,3000", help="localities per scale step (section 3)")
    parser.add_argument("--scale-runs", type=int, default=2, help="server starts per scale step")
    parser.add_argument("--graph-runs", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite the README's headline table")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes to exercise the harness (not a benchmark)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.runs, args.seconds, args.window, args.clients = 1, 1, 1, "1,2"
        args.sizes, args.scale_runs, args.graph_runs, args.no_readme = "7,12", 1, 1, True
        args.remote_seconds, args.engines = 1, "oxigraph"  # Virtuoso differs only in how the store starts
    sections = set(args.sections.split(","))
    clients = tuple(int(c) for c in args.clients.split(","))
    started = time.time()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started))
    body: list[str] = []
    headline: list[tuple[str, str, str, bool | None]] = []

    if "endpoints" in sections:
        import endpoints

        print("section 1: /sparql beside the Oxigraph server and rdflib-endpoint", flush=True)
        res = endpoints.run(args.runs, args.seconds, args.window, clients,
                            examples=["02", "03", "08"] if args.smoke else None)
        body += endpoints.report(res, args.runs, args.seconds, args.window) + [""]
        headline += endpoints.headline(res)
    if "rest" in sections:
        import rest

        print("section 2: REST beside a trivial FastAPI endpoint", flush=True)
        res = rest.run(args.runs, per_kind=5 if args.smoke else 20, rounds=2 if args.smoke else 10)
        body += rest.report(res, args.runs) + [""]
        headline += rest.headline(res)
    if "scale" in sections:
        import scale

        sizes = [int(n) for n in args.sizes.split(",")]
        print(f"section 3: scale at {sizes} localities", flush=True)
        rows = scale.run(sizes, args.scale_runs, rest_rounds=2 if args.smoke else 5,
                         example_rounds=1 if args.smoke else 5)
        body += scale.report(rows, args.scale_runs) + [""]
        headline += scale.headline(rows)
    if "graph" in sections:
        import graph_view

        print("section 4: graph view in headless Chromium", flush=True)
        cases = graph_view.run(args.graph_runs)
        body += graph_view.report(cases, args.graph_runs) + [""]
        headline += graph_view.headline(cases)

    if "remote" in sections:
        import remote

        engines = args.engines.split(",")
        print(f"section 5: remote mode on {engines}", flush=True)
        res = remote.run(engines, args.runs, args.remote_seconds, examples=["02", "03", "08"] if args.smoke else None)
        body += remote.report(res, args.runs, args.remote_seconds) + [""]
        headline += remote.headline(res)

    minutes = (time.time() - started) / 60
    command = "make bench" if not args.smoke else "bench/run.py --smoke"
    table = headline_table(headline, when)
    text = "\n".join([
        "# Zhili benchmark results", "",
        f"Written by `{command}` ({' '.join(sys.argv[1:]) or 'defaults'}) on {when}, in {minutes:.0f} min.", "",
        f"- Machine: {machine()}", f"- Versions: {versions()}", "",
        "## Headline", "", table, "", *body])
    Path(args.out).write_text(text, encoding="utf-8")
    if not args.no_readme:
        write_readme_table(table)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
