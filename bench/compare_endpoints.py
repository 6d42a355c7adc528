"""Zhili's /sparql side by side with the Oxigraph server (in memory, on disk) and rdflib-endpoint.

Run: .venv/bin/python bench/compare_endpoints.py [--rounds 30] [--window 5]
(rdflib-endpoint comes with `pip install -e '.[bench]'`). Every system serves the same
triples (the union of the dataset's graphs), answers the same query mix through the same
HTTP client on loopback, and the systems are interleaved round by round, so the ratios
printed at the end are measured in one run. Writes bench/RESULTS-endpoints.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

import httpx
from server import free_port, served

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kg.examples import load_examples  # noqa: E402
from kg.export import export  # noqa: E402
from kg.namespaces import sparql_prologue  # noqa: E402

BIN = Path(sys.executable).parent
EXTRA = {
    "lookup": "SELECT ?p ?o WHERE { loc:jinchang ?p ?o }",
    "join": "SELECT ?loc ?name ?exact WHERE { ?a zl:locality ?loc ; zl:localName ?name . "
            "?ann oa:hasBody ?a ; oa:hasTarget/oa:hasSelector/oa:exact ?exact }",
    "aggregate": "SELECT ?cat (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a zl:mechanism/skos:broader ?cat } GROUP BY ?cat ORDER BY DESC(?n)",
    "text filter": "SELECT ?s ?label WHERE { ?s rdfs:label|skos:prefLabel|zl:localName ?label FILTER(CONTAINS(STR(?label), \"网格\")) }",
}


def query_mix() -> dict[str, str]:
    examples = {e.slug: e.query for e in load_examples()}
    mix = {"ex02 cancelled duties": examples["02-cancelled-investment-duties"],
           "ex03 shared mechanisms": examples["03-shared-tonghua-qingtongxia"],
           "ex08 mechanism spread": examples["08-mechanism-spread"], **EXTRA}
    return {name: sparql_prologue() + q for name, q in mix.items()}


def wait(url: str, query_path: str) -> None:
    for _ in range(240):
        try:
            if httpx.post(url + query_path, data={"query": "ASK { ?s ?p ?o }"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not start")


def start_oxigraph(union: Path, on_disk: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    args = [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}"]
    if on_disk:
        location = tempfile.mkdtemp(prefix="zhili-oxigraph-")
        subprocess.run([str(BIN / "oxigraph"), "load", "--location", location, "--file", str(union)], check=True,
                       capture_output=True)
        args += ["--location", location]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait(url, "/query")
    if not on_disk:
        httpx.post(url + "/store?default", content=union.read_bytes(), headers={"Content-Type": "text/turtle"},
                   timeout=120).raise_for_status()
    return process, url + "/query"


def start_rdflib(union: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([str(BIN / "rdflib-endpoint"), "serve", str(union), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(f"http://127.0.0.1:{port}", "/")
    return process, f"http://127.0.0.1:{port}/"


def one(client: httpx.Client, url: str, query: str) -> float:
    started = time.perf_counter()
    r = client.post(url, data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    elapsed = time.perf_counter() - started
    if r.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {r.status_code} {r.text[:200]}")
    return elapsed * 1000


def throughput(url: str, queries: list[str], clients: int, seconds: float) -> float:
    done = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def work(k: int) -> None:
        with httpx.Client(timeout=120) as client:
            i = k
            while time.monotonic() < deadline:
                one(client, url, queries[i % len(queries)])
                i += 1
                with lock:
                    done[0] += 1

    threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / seconds


def stats(values: list[float]) -> tuple[float, float, float, float]:
    ordered = sorted(values)
    return ordered[0], statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.99) - 1)], ordered[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--window", type=float, default=5.0, help="seconds per throughput window")
    parser.add_argument("--skip-rdflib", action="store_true")
    args = parser.parse_args()
    mix = query_mix()
    union = Path(tempfile.mkdtemp(prefix="zhili-bench-")) / "zhili.ttl"
    union.write_bytes(export("turtle"))
    processes = []
    with served() as zhili:
        systems = {"Zhili /sparql": zhili + "/sparql"}
        p, url = start_oxigraph(union, on_disk=False)
        processes.append(p)
        systems["Oxigraph server (memory)"] = url
        p, url = start_oxigraph(union, on_disk=True)
        processes.append(p)
        systems["Oxigraph server (disk)"] = url
        if not args.skip_rdflib:
            p, url = start_rdflib(union)
            processes.append(p)
            systems["rdflib-endpoint"] = url
        try:
            latency = {s: {q: [] for q in mix} for s in systems}
            with httpx.Client(timeout=120) as client:
                for system, url in systems.items():  # warm-up
                    for q in mix.values():
                        one(client, url, q)
                for _ in range(args.rounds):
                    for system, url in systems.items():
                        for name, q in mix.items():
                            latency[system][name].append(one(client, url, q))
            rates = {s: {c: [] for c in (1, 8, 32)} for s in systems}
            for _ in range(3):
                for clients in (1, 8, 32):
                    for system, url in systems.items():
                        rates[system][clients].append(throughput(url, list(mix.values()), clients, args.window))
        finally:
            for p in processes:
                p.terminate()
    report(systems, mix, latency, rates, args)


def report(systems, mix, latency, rates, args) -> None:
    lines = ["# Zhili /sparql compared with the Oxigraph server and rdflib-endpoint", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `bench/compare_endpoints.py --rounds {args.rounds} "
             f"--window {args.window:g}` on {platform.machine()}, {platform.platform()}, Python {platform.python_version()}, "
             f"{_cpu()}; pyoxigraph {version('pyoxigraph')}, oxigraph {version('oxigraph')}, rdflib {version('rdflib')}, "
             + (f"rdflib-endpoint {version('rdflib-endpoint')}" if "rdflib-endpoint" in systems else "rdflib-endpoint not run")
             + ". Same triples, same query mix, same HTTP client on loopback; systems interleaved round by round.", "",
             "## Sequential latency, ms (min / median / p99 / max)", "",
             "| query | " + " | ".join(systems) + " |", "|---" * (len(systems) + 1) + "|"]
    for name in mix:
        cells = ["{:.2f} / **{:.2f}** / {:.2f} / {:.2f}".format(*stats(latency[s][name])) for s in systems]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "## Throughput, requests/s over the mix (min / median / max of 3 windows)", "",
              "| clients | " + " | ".join(systems) + " |", "|---" * (len(systems) + 1) + "|"]
    for clients in (1, 8, 32):
        cells = []
        for s in systems:
            v = sorted(rates[s][clients])
            cells.append(f"{v[0]:.0f} / **{statistics.median(v):.0f}** / {v[-1]:.0f}")
        lines.append(f"| {clients} | " + " | ".join(cells) + " |")
    zhili, oxi = "Zhili /sparql", "Oxigraph server (memory)"
    lines += ["", "## Headline ratios (same run)", "", "| measure | ratio |", "|---|---|"]
    for name in mix:
        ratio = statistics.median(latency[zhili][name]) / statistics.median(latency[oxi][name])
        lines.append(f"| p50 {name}: Zhili ÷ Oxigraph server | {ratio:.2f}× |")
    if "rdflib-endpoint" in systems:
        for name in ("join", "aggregate"):
            ratio = statistics.median(latency["rdflib-endpoint"][name]) / statistics.median(latency[zhili][name])
            lines.append(f"| p50 {name}: rdflib-endpoint ÷ Zhili (Zhili is this many times faster) | {ratio:.1f}× |")
    ratio8 = statistics.median(rates[zhili][8]) / statistics.median(rates[oxi][8])
    lines.append(f"| throughput at 8 clients: Zhili ÷ Oxigraph server | {ratio8:.2f}× |")
    text = "\n".join(lines) + "\n"
    (Path(__file__).parent / "RESULTS-endpoints.md").write_text(text, encoding="utf-8")
    print(text)


def _cpu() -> str:
    try:
        model = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    import os

    return f"{os.cpu_count()} cores ({model})"


if __name__ == "__main__":
    main()
