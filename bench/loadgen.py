"""A bounded loopback load generator shared by the short load test and bench/load.py."""

from __future__ import annotations

import ipaddress
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
FIRST_ADDRESS = int(ipaddress.IPv4Address("127.0.1.1"))


def loopback_address(n: int) -> str:
    """The n-th simulated client's own source address: 127.0.1.1, 127.0.1.2, … 127.0.1.254, 127.0.2.1, …
    (x.0 and x.255 skipped; 127.0.0.N is left to the tests that pick their own addresses).
    Every address in 127.0.0.0/8 is local on Linux, so binding to one needs no set-up; the server
    sees a distinct peer per address, as it would see distinct real clients."""
    block, host = divmod(n, 254)
    address = ipaddress.IPv4Address(FIRST_ADDRESS + block * 256 + host)
    if address not in ipaddress.IPv4Network("127.0.0.0/8"):
        raise ValueError(f"no loopback address left for client {n}")
    return str(address)


def client_for(n: int, url: str | None = None, timeout: float = 30, **kwargs) -> httpx.Client:
    """An httpx client sending from loopback_address(n)."""
    transport = httpx.HTTPTransport(local_address=loopback_address(n))
    return httpx.Client(base_url=url or "", timeout=timeout, transport=transport, **kwargs)


def run_load(url: str, clients: int, seconds: float, explosive_every: int = 0, first_address: int = 0) -> dict:
    """A bounded loopback load: example queries, REST calls and (optionally) a few explosive queries.
    Client k sends from loopback_address(first_address + k), so per-client limits see `clients` clients."""
    examples = [e.query for e in load_examples()]
    rest = ["/api/localities/jinchang", "/api/mechanisms/red-property", "/api/compare?localities=jinchang,lanzhou",
            "/api/search?q=网格", "/api/localities", "/api/stats"]
    latencies, errors, cut, log = [], [], [], []
    lock = threading.Lock()
    begun = time.monotonic()
    deadline = begun + seconds

    def client(k: int) -> None:
        with client_for(first_address + k, url, timeout=30) as http:
            i = 0
            while time.monotonic() < deadline:
                i += 1
                if explosive_every and k == 0 and i % explosive_every == 1:
                    try:
                        status = http.get("/sparql", params={"query": EXPLOSIVE}).status_code
                    except httpx.HTTPError as exc:
                        status = type(exc).__name__
                    with lock:
                        cut.append(status)
                    continue
                started = time.monotonic()
                try:
                    r = (http.get(rest[i % len(rest)]) if i % 2
                         else http.get("/sparql", params={"query": examples[i % len(examples)]}))
                    error = None if r.status_code == 200 else (r.status_code, r.text[:100])
                except httpx.HTTPError as exc:  # reset, timed out…: an error, not the end of the run
                    error = (type(exc).__name__, str(exc)[:100])
                elapsed = time.monotonic() - started
                with lock:
                    latencies.append(elapsed)
                    log.append((started - begun, elapsed, error[0] if error else None))
                    if error:
                        errors.append(error)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    latencies.sort()
    return {"requests": len(latencies), "errors": errors, "p50": statistics.median(latencies),
            "p99": latencies[int(len(latencies) * 0.99) - 1], "explosive": cut,
            "log": sorted(log)}  # (seconds from the start, latency, error status or None) per normal request
