"""A bounded loopback load generator shared by the short load test and bench/load.py."""

from __future__ import annotations

import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from kg.examples import load_examples  # noqa: E402

EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def run_load(url: str, clients: int, seconds: float, explosive_every: int = 0) -> dict:
    """A bounded loopback load: example queries, REST calls and (optionally) a few explosive queries."""
    examples = [e.query for e in load_examples()]
    rest = ["/api/localities/jinchang", "/api/mechanisms/red-property", "/api/compare?localities=jinchang,lanzhou",
            "/api/search?q=网格", "/api/localities", "/api/stats"]
    latencies, errors, cut = [], [], []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(k: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            i = 0
            while time.monotonic() < deadline:
                i += 1
                if explosive_every and k == 0 and i % explosive_every == 1:
                    r = http.get("/sparql", params={"query": EXPLOSIVE})
                    with lock:
                        cut.append(r.status_code)
                    continue
                started = time.monotonic()
                r = (http.get(rest[i % len(rest)]) if i % 2 else http.get("/sparql", params={"query": examples[i % len(examples)]}))
                elapsed = time.monotonic() - started
                with lock:
                    latencies.append(elapsed)
                    if r.status_code != 200:
                        errors.append((r.status_code, r.text[:100]))

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    latencies.sort()
    return {"requests": len(latencies), "errors": errors, "p50": statistics.median(latencies),
            "p99": latencies[int(len(latencies) * 0.99) - 1], "explosive": cut}
