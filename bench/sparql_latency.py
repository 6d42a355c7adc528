"""p50/p90 latency of worked example queries on /sparql, against a `kg serve` started here.

Run: .venv/bin/python bench/sparql_latency.py [--runs 50]. Prints one line per query.
Timing is a benchmark, not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.examples import load_examples  # noqa: E402

from common import free_port, zhili_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--mode", choices=["embedded", "remote", "virtuoso"], default="embedded",
                        help="remote: an Oxigraph server started here and loaded with kg load; virtuoso: the same on "
                             "OpenLink Virtuoso (Debian's virtuoso-opensource, a throwaway database)")
    parser.add_argument("--examples", default="02-cancelled-investment-duties,03-shared-tonghua-qingtongxia,08-mechanism-spread")
    args = parser.parse_args()
    env, oxigraph = {}, None
    if args.mode == "remote":
        import subprocess
        import tempfile

        port = free_port()
        oxigraph = subprocess.Popen([str(Path(sys.executable).parent / "oxigraph"), "serve", "--location",
                                     tempfile.mkdtemp(prefix="zhili-bench-"), "--bind", f"127.0.0.1:{port}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        subprocess.run([str(Path(sys.executable).parent / "kg"), "load", "--endpoint", f"http://127.0.0.1:{port}/store"],
                       check=True, capture_output=True)
        env["ZHILI_STORE"] = f"http://127.0.0.1:{port}/query"
    virtuoso = None
    if args.mode == "virtuoso":
        import tempfile

        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import VirtuosoServer  # the suite's throwaway-database server, same settings as store/

        virtuoso = VirtuosoServer(Path(tempfile.mkdtemp(prefix="zhili-bench-")), timeout_s=30)
        virtuoso.load()
        env.update(ZHILI_STORE=virtuoso.query_url, ZHILI_STORE_USER=virtuoso.user, ZHILI_STORE_PASSWORD=virtuoso.password)
    try:
        run(args, env)
    finally:
        if oxigraph:
            oxigraph.terminate()
        if virtuoso:
            virtuoso.stop()


def run(args, env) -> None:
    with zhili_server(env) as server:
        url = server.url
        examples = {e.slug: e for e in load_examples()}
        with httpx.Client(base_url=url, timeout=30) as client:
            for slug in args.examples.split(","):
                query = examples[slug].query
                for _ in range(5):
                    client.get("/sparql", params={"query": query})
                times = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    r = client.get("/sparql", params={"query": query})
                    times.append((time.perf_counter() - t) * 1000)
                    assert r.status_code == 200, r.text
                times.sort()
                print(f"{slug:40s} p50 {statistics.median(times):6.2f} ms  p90 {times[int(len(times) * 0.9)]:6.2f} ms"
                      f"  min {times[0]:6.2f} ms  max {times[-1]:6.2f} ms  (n={len(times)})")


if __name__ == "__main__":
    main()
