"""Section 3: scale. Synthetic graphs in our ontology (bench/synthetic.py) at N localities.

For each N: generate the data folder (N = 7 is the real curated graph), `kg build` it into an
on-disk store (the build validates first: SHACL, QC, provenance, canonical form), start Zhili on
that store, and measure start-up, peak memory of the server and its query workers, REST p50
(cold and warm) and the p50 of every README example query on /sparql. N = 7 is also measured in
the default mode (`make run`: validated and held in memory at start-up).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from common import BIN, ROOT, Spread, TreeMemory, percentile, timed, zhili_server
import rest

ACCEPT = {"Accept": "application/sparql-results+json"}


@dataclass
class ScaleRow:
    label: str
    localities: int
    triples: int = 0
    generate_s: float | None = None
    build_s: float | None = None  # kg build: validation + on-disk store
    build_peak_mb: float | None = None
    startup_s: Spread = field(default_factory=Spread)
    peak_mb: Spread = field(default_factory=Spread)
    rest_cold: dict = field(default_factory=lambda: {k: Spread() for k in rest.KINDS})
    rest_warm: dict = field(default_factory=lambda: {k: Spread() for k in rest.KINDS})
    example_p50: Spread = field(default_factory=Spread)  # median over examples of per-example p50
    example_worst: Spread = field(default_factory=Spread)  # slowest example's p50
    example_failures: list[str] = field(default_factory=list)


def build_store(data: Path, location: Path) -> tuple[float, float, str]:
    """`kg build` as a subprocess: seconds, peak MB, its last output line."""
    started = time.perf_counter()
    process = subprocess.Popen([str(BIN / "kg"), "build", "--data", str(data), "--location", str(location)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with TreeMemory(process.pid) as memory:
        output, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"kg build failed for {data}:\n{output[-3000:]}")
    return time.perf_counter() - started, memory.peak / 2**20, output.strip().splitlines()[-1]


def example_latencies(base: str, rounds: int) -> tuple[dict[str, list[float]], list[str]]:
    from endpoints import query_mix

    examples = {k: v for k, v in query_mix().items() if k.startswith("ex")}
    times: dict[str, list[float]] = {k: [] for k in examples}
    failures = []
    with httpx.Client(timeout=300) as client:
        for _ in range(rounds):
            for name, q in examples.items():
                ms, r = timed(client, "POST", base + "/sparql", data={"query": q}, headers=ACCEPT)
                if r.status_code != 200:
                    failures.append(f"{name}: HTTP {r.status_code} {r.text[:120]}")
                    continue
                times[name].append(ms)
    return {k: v for k, v in times.items() if v}, sorted(set(failures))


def measure_server(row: ScaleRow, env: dict[str, str], runs: int, rest_rounds: int, example_rounds: int) -> None:
    for _ in range(runs):
        with zhili_server(env) as server:
            row.startup_s.add(server.started_seconds)
            row.triples = httpx.get(server.url + "/health", timeout=30).json()["triples"]
            measured = rest.measure(server.url, per_kind=10, rounds=rest_rounds)
            for k in rest.KINDS:
                row.rest_cold[k].add(percentile(measured.cold[k], 50))
                row.rest_warm[k].add(percentile(measured.warm[k], 50))
            times, failures = example_latencies(server.url, example_rounds)
            row.example_failures = failures
            per_example = sorted(percentile(v, 50) for v in times.values())
            row.example_p50.add(per_example[len(per_example) // 2])
            row.example_worst.add(per_example[-1])
            row.peak_mb.add(server.memory.peak / 2**20)


def run(sizes: list[int], runs: int = 2, rest_rounds: int = 5, example_rounds: int = 5, workdir: Path | None = None,
        seed: int = 0) -> list[ScaleRow]:
    import synthetic

    workdir = workdir or Path(tempfile.mkdtemp(prefix="zhili-scale-"))
    rows = []
    if 7 in sizes:
        row = ScaleRow("7 (real graph), default in-memory mode", 7)
        measure_server(row, {"ZHILI_STORE": "embedded"}, runs, rest_rounds, example_rounds)
        rows.append(row)
    for n in sizes:
        row = ScaleRow(f"{n}" + (" (real graph)" if n == 7 else " (synthetic)") + ", on-disk store", n)
        if n == 7:
            data = ROOT / "kg" / "data"
        else:
            data = workdir / f"data-{n}"
            shutil.rmtree(data, ignore_errors=True)
            started = time.perf_counter()
            synthetic.generate(n, data, seed=seed)
            row.generate_s = time.perf_counter() - started
        location = workdir / f"store-{n}"
        row.build_s, row.build_peak_mb, _ = build_store(data, location)
        measure_server(row, {"ZHILI_STORE": str(location), "ZHILI_QUERY_TIMEOUT": "60"}, runs, rest_rounds,
                       example_rounds)
        rows.append(row)
    return rows


def report(rows: list[ScaleRow], runs: int) -> list[str]:
    lines = ["## 3. Scale", "",
             f"Synthetic localities are generated by `bench/synthetic.py` in our ontology and pass `kg validate` "
             f"(SHACL, QC, provenance, canonical form) inside `kg build`. Server figures: **median** (min–max) over "
             f"{runs} start(s). Peak memory is the resident set of the server plus its query workers, sampled every "
             "50 ms from process start to the end of the measurements.", "",
             "| N localities | triples | generate s | kg build s (validate + store) | build peak MB | start-up s | "
             "peak MB | example-query p50 ms (median / slowest example) |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        gen = f"{r.generate_s:.1f}" if r.generate_s is not None else "–"
        build = f"{r.build_s:.1f}" if r.build_s is not None else "(at start-up)"
        bpeak = f"{r.build_peak_mb:.0f}" if r.build_peak_mb is not None else "–"
        lines.append(f"| {r.label} | {r.triples:,} | {gen} | {build} | {bpeak} | {r.startup_s.cell(1)} | "
                     f"{r.peak_mb.cell(0)} | {r.example_p50.cell()} / {r.example_worst.cell()} |")
    lines += ["", "REST p50 at each size, ms, cold / warm (median over starts):", "",
              "| N localities | " + " | ".join(rest.KINDS) + " |", "|---" * (len(rest.KINDS) + 1) + "|"]
    for r in rows:
        cells = [f"{r.rest_cold[k].median:.2f} / {r.rest_warm[k].median:.2f}" for k in rest.KINDS]
        lines.append(f"| {r.label} | " + " | ".join(cells) + " |")
    failures = [f"- N = {r.localities}: {f}" for r in rows for f in r.example_failures]
    if failures:
        lines += ["", "Example queries that did not answer 200:", "", *failures]
    return lines


def headline(rows: list[ScaleRow]) -> list[tuple[str, str, str, bool | None]]:
    out = []
    big = max(rows, key=lambda r: r.localities)
    worst_cold = max(big.rest_cold[k].median for k in rest.KINDS)
    worst_warm = max(big.rest_warm[k].median for k in rest.KINDS)
    out.append((f"REST p50 at N = {big.localities:,}, slowest endpoint, cold / warm (ms)",
                f"{worst_cold:.1f} / {worst_warm:.2f}", "< 20 ms", max(worst_cold, worst_warm) < 20))
    out.append((f"start-up at N = {big.localities:,} ({big.triples:,} triples), s", big.startup_s.cell(1), "< 15 s",
                big.startup_s.median < 15))
    out.append((f"peak memory at N = {big.localities:,}, MB", big.peak_mb.cell(0), "< 1,536 MB", big.peak_mb.median < 1536))
    return out
