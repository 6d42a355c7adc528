"""Sustained load on loopback: 50 clients for 60 s (example queries and REST calls), by default with an attack
mix running beside them (with --no-attack, the normal mix has a few explosive queries of its own, as before).

Run: .venv/bin/python bench/load.py [--clients 50] [--seconds 60] [--no-attack]
     [--explosive 4] [--memory 2] [--slow-head 10] [--slow-body 5] [--long-header 3]

Every simulated client, normal or attacker, sends from its own loopback address (loadgen.loopback_address),
so the server's per-client limit and fair scheduling see them as distinct clients. The attackers:

- explosive: cross-product COUNT queries, looping, each attacker from its own address with
  --attacker-connections requests at once (one more than the per-client limit allows, so 429s show up);
- memory: a GROUP_CONCAT of a 60,000-character string over a cross product (POST), meant to run a
  query worker out of ZHILI_QUERY_MEMORY; same addressing and concurrency as explosive;
- slow-head: raw sockets trickling a request head one byte per second (reconnecting when cut off);
- slow-body: raw sockets sending a POST head at once, then trickling its body one byte per second;
- long-header: raw sockets sending a request with a 1 MB Accept header (expected answer: 431), at most four a second each.

An attacker that gets 429 waits ATTACKER_BACKOFF (less than Retry-After) before trying again, so the
refusals do not turn into a busy loop on the two cores the benchmark shares with the server.

Prints normal-traffic requests, errors (status counts; a 429 to a normal client is an error), p50/p99,
normal requests per 10 s of the run (by start time), how the normal mix's own explosive queries ended
(--no-attack), how each attacker kind's requests or connections ended, the memory of
the whole process tree (server + query workers: peak over the run, and the mean of the first and last
10 s), and /health's pool and fairness figures at the end. Nothing here asserts a speed; the short
version with assertions is in tests/.
"""

from __future__ import annotations

import argparse
import os
import selectors
import socket
import statistics
import threading
import time
from collections import Counter
from urllib.parse import quote, urlsplit

import httpx
from common import zhili_server
from loadgen import EXPLOSIVE, client_for, loopback_address, run_load

from api.settings import Settings

MEMORY_HEAVY = ('SELECT (STRLEN(GROUP_CONCAT(?big)) AS ?n) WHERE { ?s ?p ?o . ?a ?b ?c BIND("'
                + "x" * 60_000 + '" AS ?big) }')
ATTACKER_BACKOFF = 0.5  # seconds an attacker waits after a 429 (Retry-After says 5)
LONG_HEADER_PAUSE = 0.25  # seconds between one long-header client's requests (unpaced, three of them send
                          # ~300 MB/s and the load generator, not the server, takes the shared cores)
SLOW_HEAD = (b"GET /sparql?query=" + quote("ASK { ?s ?p ?o }").encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             b"User-Agent: slow-client\r\nAccept: application/sparql-results+json\r\n"
             + b"".join(b"X-Slow-%d: %s\r\n" % (i, b"z" * 40) for i in range(20)) + b"\r\n")
SLOW_BODY = b"ASK { ?s ?p ?o } " + b"#" * 4000  # longer than any run at one byte per second


def _accept_1mb() -> bytes:
    items, size, i = [], 0, 0
    while size < 1024 * 1024:
        item = b"application/x-thing-%d;q=0.5" % i
        items.append(item)
        size += len(item) + 1
        i += 1
    return b",".join(items)[: 1024 * 1024]


def classify(response: httpx.Response) -> str:
    """A short name for how an HTTP request ended."""
    code = response.status_code
    if code == 503:
        text = response.text
        for word, name in (("time limit", "503 time limit"), ("memory", "503 memory"), ("busy", "503 busy")):
            if word in text:
                return name
        return "503 other"
    return str(code)


def raw_status(raw: bytes) -> str:
    if raw.startswith(b"HTTP/1."):
        return raw.split(b" ", 2)[1].decode()
    return "disconnected, no answer" if not raw else "garbled answer"


class Outcomes:
    """Thread-safe status counts per kind."""

    def __init__(self):
        self.counts: dict[str, Counter] = {}
        self.lock = threading.Lock()

    def add(self, kind: str, outcome: str) -> None:
        with self.lock:
            self.counts.setdefault(kind, Counter())[outcome] += 1


def http_attacker(kind: str, url: str, address: int, deadline: float, outcomes: Outcomes) -> None:
    """Explosive or memory-heavy queries, one after another, from one address (one thread of it)."""
    with client_for(address, url, timeout=60) as http:
        while time.monotonic() < deadline:
            try:
                if kind == "explosive":
                    r = http.get("/sparql", params={"query": EXPLOSIVE})
                else:
                    r = http.post("/sparql", content=MEMORY_HEAVY.encode(),
                                  headers={"Content-Type": "application/sparql-query"})
                outcome = classify(r)
            except httpx.HTTPError as exc:
                outcome = f"disconnected ({type(exc).__name__})"
            outcomes.add(kind, outcome)
            if outcome == "429" or outcome.startswith("disconnected"):
                time.sleep(ATTACKER_BACKOFF)


def _connect(port: int, address: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(loopback_address(address), 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _read_answer(sock: socket.socket, limit: float) -> bytes:
    """What the server sends until it closes, a whole answer (head + Content-Length body) is in, or `limit` s pass."""
    sock.settimeout(1.0)
    data, end = b"", time.monotonic() + limit
    while time.monotonic() < end:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            break
        if not chunk:
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), None)
            if length is not None and len(body) >= length:
                break
    return data


def trickler(kind: str, port: int, address: int, deadline: float, outcomes: Outcomes) -> None:
    """Slow client: send a request one byte per second (slow-head: the head; slow-body: the body after a
    whole head), on one connection after another, until the run ends. Each connection ends as the server's
    answer (e.g. 408), "disconnected" (closed or reset without an answer) or "open at end of run"."""
    if kind == "slow-head":
        prefix, trickle = b"", SLOW_HEAD
    else:
        prefix = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                  b"Accept: application/sparql-results+json\r\nContent-Length: %d\r\n\r\n" % len(SLOW_BODY))
        trickle = SLOW_BODY
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            sock = _connect(port, address)
        except OSError as exc:
            outcomes.add(kind, f"connect failed ({type(exc).__name__})")
            time.sleep(1.0)
            continue
        outcome = None
        with sock, selectors.DefaultSelector() as sel:
            try:
                sock.sendall(prefix)
                sel.register(sock, selectors.EVENT_READ)
                for byte in trickle:
                    if time.monotonic() >= deadline:
                        outcome = "open at end of run"
                        break
                    if sel.select(timeout=1.0):  # the server spoke or closed: read what it said
                        outcome = raw_status(_read_answer(sock, 5.0))
                        break
                    sock.sendall(bytes([byte]))
                else:  # everything sent (only when the server never cut it off): the answer to the request
                    outcome = raw_status(_read_answer(sock, 30.0))
            except OSError:
                outcome = "disconnected, no answer"
        if outcome == "disconnected, no answer" or outcome == "open at end of run":
            outcomes.add(kind, outcome)
        else:
            outcomes.add(kind, f"{outcome} after {round(time.monotonic() - started)} s")


def long_header(port: int, address: int, deadline: float, outcomes: Outcomes, accept: bytes) -> None:
    """Requests with a 1 MB Accept header, one after another: streamed in 64 KiB pieces, stopping as soon as
    the server answers or closes."""
    request = (b"GET /sparql?query=" + quote("ASK { ?s ?p ?o }").encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Accept: " + accept + b"\r\nConnection: close\r\n\r\n")
    while time.monotonic() < deadline:
        try:
            sock = _connect(port, address)
        except OSError as exc:
            outcomes.add("long-header", f"connect failed ({type(exc).__name__})")
            time.sleep(1.0)
            continue
        sent, view = 0, memoryview(request)
        with sock, selectors.DefaultSelector() as sel:
            try:
                sock.setblocking(False)
                sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
                end = time.monotonic() + 30
                while sent < len(request) and time.monotonic() < end:
                    events = sel.select(timeout=1.0)
                    if any(mask & selectors.EVENT_READ for _, mask in events):
                        break
                    if events:
                        try:
                            sent += sock.send(view[sent:sent + 65536])
                        except BlockingIOError:
                            pass
                sock.setblocking(True)
                outcome = raw_status(_read_answer(sock, 30.0))
            except OSError:
                outcome = "disconnected, no answer"
        outcomes.add("long-header", outcome)
        time.sleep(LONG_HEADER_PAUSE)


def status_counts(errors: list[tuple]) -> str:
    counts = Counter()
    for status, text in errors:
        reason = ""
        if status == 503:
            reason = next((w for w in ("time limit", "memory", "busy") if w in text), "other")
        counts[f"{status} {reason}".strip()] += 1
    return ", ".join(f"{k}: {v}" for k, v in counts.most_common()) or "none"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--attack", action=argparse.BooleanOptionalAction, default=True,
                        help="run the attack mix beside the normal traffic (default on)")
    parser.add_argument("--explosive", type=int, default=4, help="explosive-query attackers (addresses)")
    parser.add_argument("--memory", type=int, default=2, help="memory-heavy attackers (addresses)")
    parser.add_argument("--attacker-connections", type=int, default=3,
                        help="requests each explosive or memory attacker keeps going at once")
    parser.add_argument("--slow-head", type=int, default=10, help="clients trickling a request head")
    parser.add_argument("--slow-body", type=int, default=5, help="clients trickling a POST body")
    parser.add_argument("--long-header", type=int, default=3, help="clients sending 1 MB Accept headers")
    args = parser.parse_args()
    # the service's own per-client limit (bench/common.py lifts it for the throughput benchmarks, which send
    # from one address; here every client has its own), unless the environment sets one
    limit = os.environ.get("ZHILI_CLIENT_QUERIES") or str(Settings().client_queries)
    with zhili_server({"ZHILI_QUEUE_TIMEOUT": "30", "ZHILI_CLIENT_QUERIES": limit}) as running:
        url = running.url
        port = urlsplit(url).port
        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample() -> None:
            start = time.monotonic()
            while not stop.is_set():
                samples.append((time.monotonic() - start, running.memory.current()))  # server + query workers
                time.sleep(1.0)

        outcomes = Outcomes()
        attackers: list[threading.Thread] = []
        deadline = time.monotonic() + args.seconds
        if args.attack:
            address = 10_000  # normal clients use addresses 0..clients-1 (127.0.1.1 on), attackers 127.0.40.95 on
            accept = _accept_1mb()
            for kind, count in (("explosive", args.explosive), ("memory", args.memory)):
                for _ in range(count):
                    for _ in range(args.attacker_connections):
                        attackers.append(threading.Thread(target=http_attacker, daemon=True,
                                                          args=(kind, url, address, deadline, outcomes)))
                    address += 1
            for kind, count in (("slow-head", args.slow_head), ("slow-body", args.slow_body)):
                for _ in range(count):
                    attackers.append(threading.Thread(target=trickler, daemon=True,
                                                      args=(kind, port, address, deadline, outcomes)))
                    address += 1
            for _ in range(args.long_header):
                attackers.append(threading.Thread(target=long_header, daemon=True,
                                                  args=(port, address, deadline, outcomes, accept)))
                address += 1

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        running.memory.peak = running.memory.current()  # from here on: the peak over the run, not start-up's
        for t in attackers:
            t.start()
        # without the attack, the normal mix has its own occasional explosive query, as it always had; with it,
        # the explosive attackers take that part, so every normal client only sends normal requests and any
        # refusal or failure it gets is an error
        result = run_load(url, args.clients, max(0.0, deadline - time.monotonic()),
                          explosive_every=0 if args.attack else 25)
        for t in attackers:
            t.join(timeout=max(1.0, deadline + 90 - time.monotonic()))
        stuck = sum(t.is_alive() for t in attackers)
        peak = running.memory.peak
        stop.set()
        sampler.join()
        health = httpx.get(url + "/health", timeout=30).json()
    first = [r for t, r in samples if t <= 10]
    last = [r for t, r in samples if t >= samples[-1][0] - 10]
    mb = lambda values: statistics.mean(values) / 2**20  # noqa: E731
    print(f"clients {args.clients}, {args.seconds:g} s, attack {'on' if args.attack else 'off'}: "
          f"{result['requests']} normal requests, {len(result['errors'])} errors "
          f"({status_counts(result['errors'])}), p50 {result['p50'] * 1000:.1f} ms, p99 {result['p99'] * 1000:.1f} ms")
    if result["errors"]:
        for (status, text), n in Counter(result["errors"]).most_common(5):
            print(f"  normal error x{n}: {status} {text.strip()!r}")
    window = 10.0
    for w in range(int(max(args.seconds, 1) // window + (args.seconds % window > 0))):
        rows = [(lat, err) for t, lat, err in result["log"] if w * window <= t < (w + 1) * window]
        if rows:
            failed = Counter(str(err) for _, err in rows if err is not None)
            print(f"  normal requests started {w * window:3.0f}-{min((w + 1) * window, args.seconds):3.0f} s: {len(rows)}, "
                  f"p50 {statistics.median(lat for lat, _ in rows) * 1000:.0f} ms, "
                  f"max {max(lat for lat, _ in rows) * 1000:.0f} ms, errors {dict(failed) or 0}")
    if not args.attack:
        print(f"explosive queries in the normal mix: {len(result['explosive'])}, "
              f"answered {sorted(set(map(str, result['explosive'])))}")
    if args.attack:
        print(f"attackers: {args.explosive} explosive + {args.memory} memory (x{args.attacker_connections} connections "
              f"each), {args.slow_head} slow-head, {args.slow_body} slow-body, {args.long_header} long-header"
              + (f"; {stuck} attacker threads still running at exit" if stuck else ""))
        for kind in ("explosive", "memory", "slow-head", "slow-body", "long-header"):
            counts = outcomes.counts.get(kind, Counter())
            text = ", ".join(f"{k}: {v}" for k, v in counts.most_common()) or "no requests"
            print(f"  {kind}: {sum(counts.values())} requests/connections, {text}")
    print(f"memory (server + workers): peak over the run {peak / 2**20:.0f} MiB, "
          f"first 10 s {mb(first):.0f} MiB, last 10 s {mb(last):.0f} MiB")
    print(f"pool at end: {health['pool']}")
    print(f"fairness at end: {health['fairness']}")


if __name__ == "__main__":
    main()
