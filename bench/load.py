"""Sustained load on loopback: 50 clients for 60 s (example queries, REST calls, a few explosive queries).

Run: .venv/bin/python bench/load.py [--clients 50] [--seconds 60]. Prints requests, errors, p50/p99,
how the explosive queries ended, and the server's memory (server + query workers) over the first
and last 10 s. Nothing here asserts a speed; the short version with assertions is in tests/.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import httpx
from loadgen import run_load
from common import zhili_server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    with zhili_server({"ZHILI_QUEUE_TIMEOUT": "30"}) as running:
        url = running.url
        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample() -> None:
            start = time.monotonic()
            while not stop.is_set():
                samples.append((time.monotonic() - start, running.memory.current()))  # server + query workers
                time.sleep(1.0)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        result = run_load(url, args.clients, args.seconds, explosive_every=25)
        stop.set()
        sampler.join()
        health = httpx.get(url + "/health").json()
    first = [r for t, r in samples if t <= 10]
    last = [r for t, r in samples if t >= samples[-1][0] - 10]
    mb = lambda values: statistics.mean(values) / 2**20  # noqa: E731
    print(f"clients {args.clients}, {args.seconds:g} s: {result['requests']} normal requests, {len(result['errors'])} errors, "
          f"p50 {result['p50'] * 1000:.1f} ms, p99 {result['p99'] * 1000:.1f} ms")
    print(f"explosive queries: {len(result['explosive'])}, answered {sorted(set(result['explosive']))}; "
          f"pool: {health['pool']}")
    print(f"memory (server + workers): first 10 s {mb(first):.0f} MiB, last 10 s {mb(last):.0f} MiB")


if __name__ == "__main__":
    main()
