"""Section 2: REST endpoints beside a trivial FastAPI endpoint served by the same process.

"Cold" is the first request for each distinct URL on a freshly started server (the view
is built and serialized); "warm" repeats the same URLs (the serialized view is reused).
Each round interleaves the endpoint kinds with the floor endpoint.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import httpx

from common import Spread, percentile, timed

KINDS = ["locality", "mechanism", "compare", "search"]
FLOOR = "trivial FastAPI endpoint (floor)"
SEARCH_TERMS = ["网格", "红色物业", "吹哨", "大党委", "党建", "grid", "party", "property", "street", "社区"]


def urls_for(client: httpx.Client, base: str, per_kind: int) -> dict[str, list[str]]:
    """Distinct URLs of each kind, taken from the API's own listings."""
    localities = [l["id"] for l in client.get(base + "/api/localities").json()]
    mechanisms = [m["id"] for m in client.get(base + "/api/mechanisms").json()]
    step = max(1, len(localities) // per_kind)
    picked = localities[::step][:per_kind]
    pairs = [f"{a},{b}" for a, b in itertools.islice(zip(picked, picked[1:] + picked[:1]), per_kind)]
    step_m = max(1, len(mechanisms) // per_kind)
    return {
        "locality": [f"/api/localities/{i}" for i in picked],
        "mechanism": [f"/api/mechanisms/{i}" for i in mechanisms[::step_m][:per_kind]],
        "compare": [f"/api/compare?localities={p}" for p in pairs],
        "search": [f"/api/search?q={t}" for t in SEARCH_TERMS][:per_kind],
    }


@dataclass
class RestRun:
    cold: dict[str, list[float]] = field(default_factory=dict)
    warm: dict[str, list[float]] = field(default_factory=dict)


def measure(base: str, per_kind: int = 20, rounds: int = 10) -> RestRun:
    """One run on a fresh server: cold pass, then warm rounds interleaved with the floor."""
    out = RestRun({k: [] for k in KINDS}, {k: [] for k in [*KINDS, FLOOR]})
    with httpx.Client(timeout=300) as client:
        urls = urls_for(client, base, per_kind)
        for _ in range(20):  # connection and floor warm-up only; no view is touched
            client.get(base + "/_bench/floor")
        for kind in KINDS:
            for url in urls[kind]:
                ms, r = timed(client, "GET", base + url)
                r.raise_for_status()
                out.cold[kind].append(ms)
        for _ in range(rounds):
            for kind in KINDS:
                for url in urls[kind]:
                    ms, r = timed(client, "GET", base + url)
                    r.raise_for_status()
                    out.warm[kind].append(ms)
                    ms, _ = timed(client, "GET", base + "/_bench/floor")
                    out.warm[FLOOR].append(ms)
    return out


@dataclass
class RestResults:
    cold_p50: dict = field(default_factory=lambda: {k: Spread() for k in KINDS})
    warm_p50: dict = field(default_factory=lambda: {k: Spread() for k in [*KINDS, FLOOR]})
    warm_p99: dict = field(default_factory=lambda: {k: Spread() for k in [*KINDS, FLOOR]})
    ratio: dict = field(default_factory=lambda: {k: Spread() for k in KINDS})  # warm p50 ÷ floor p50, per run

    def add(self, run: RestRun) -> None:
        for k in KINDS:
            self.cold_p50[k].add(percentile(run.cold[k], 50))
        for k in [*KINDS, FLOOR]:
            self.warm_p50[k].add(percentile(run.warm[k], 50))
            self.warm_p99[k].add(percentile(run.warm[k], 99))
        floor = percentile(run.warm[FLOOR], 50)
        for k in KINDS:
            self.ratio[k].add(percentile(run.warm[k], 50) / floor)


def run(runs: int = 3, per_kind: int = 20, rounds: int = 10) -> RestResults:
    from common import zhili_server

    results = RestResults()
    for _ in range(runs):
        with zhili_server() as server:
            results.add(measure(server.url, per_kind, rounds))
    return results


def report(res: RestResults, runs: int) -> list[str]:
    lines = ["## 2. REST API (curated graph)", "",
             f"{runs} runs, each on a freshly started server. Cells: **median over runs** (min–max), ms. "
             "Cold = first request for each distinct URL (view built and serialized); warm = the same URLs again.", "",
             "| endpoint | cold p50 | warm p50 | warm p99 | warm p50 ÷ floor p50 |", "|---|---|---|---|---|"]
    for k in KINDS:
        lines.append(f"| {k} | {res.cold_p50[k].cell()} | {res.warm_p50[k].cell()} | {res.warm_p99[k].cell()} | "
                     f"{res.ratio[k].cell()}× |")
    lines.append(f"| {FLOOR} | | {res.warm_p50[FLOOR].cell()} | {res.warm_p99[FLOOR].cell()} | 1× |")
    return lines


def headline(res: RestResults) -> list[tuple[str, str, str, bool | None]]:
    rows = []
    for k in KINDS:
        worst = max(res.cold_p50[k].median, res.warm_p50[k].median)
        rows.append((f"REST `{k}` p50 on the curated graph, cold / warm (ms)",
                     f"{res.cold_p50[k].median:.2f} / {res.warm_p50[k].median:.2f}", "< 3 ms", worst < 3))
    return rows
