"""Fair sharing of query workers: a per-client limit (429) and a schedule that keeps a worker for
light clients while heavy ones queue. Unit tests of the gate, then the real server under attack."""

from __future__ import annotations

import asyncio
import statistics
from concurrent.futures import ThreadPoolExecutor
import threading
import time

import httpx
import pytest
from conftest import LiveServer
from starlette.requests import Request

from api.clients import client_id
from api.sparql.fairness import HEAVY, LIGHT, ClientLimit, FairGate, NoSlot, Usage

EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
NORMAL = "ASK { loc:jinchang a zl:Locality }"


def run(coro):
    """In a thread of its own: the browser tests' playwright keeps an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_a_client_over_its_limit_is_refused_at_once():
    async def scenario():
        gate = FairGate(size=1, per_client=2)
        first = await gate.acquire("a", 1)
        waiting = asyncio.ensure_future(gate.acquire("a", 5))
        await asyncio.sleep(0)
        with pytest.raises(ClientLimit) as refused:
            await gate.acquire("a", 5)
        assert refused.value.retry_after >= 1
        other = asyncio.ensure_future(gate.acquire("b", 5))  # another client may still queue
        await asyncio.sleep(0)
        gate.release(first)
        done, pending = await asyncio.wait([waiting, other], return_when=asyncio.FIRST_COMPLETED)
        assert gate.snapshot()["client_refusals"] == 1
        gate.release(done.pop().result())
        gate.release(await pending.pop())
        assert gate.free == 1 and gate.inflight == {}

    run(scenario())


def test_new_and_heavy_clients_never_hold_the_last_worker():
    async def scenario():
        usage = Usage()
        for client in ("h1", "h2"):
            usage.add(client, 30.0)
        usage.add("regular", 0.01)  # a client with a record of cheap queries
        gate = FairGate(size=2, per_client=2, heavy_seconds=1.0, usage=usage)
        h1 = await gate.acquire("h1", 1)
        with pytest.raises(NoSlot):  # one worker is free, but it is kept for light clients
            await gate.acquire("h2", 0.2)
        with pytest.raises(NoSlot):  # a client never seen counts as new: not light yet
            await gate.acquire("stranger", 0.2)
        light = await asyncio.wait_for(gate.acquire("regular", 1), 1)
        assert (gate.kind("h1", time.monotonic()), light.kind) == (HEAVY, LIGHT)
        gate.release(h1)
        gate.release(light)
        assert gate.free == 2 and gate.restricted_running == 0 and gate.running == {}

    run(scenario())


def test_a_running_query_counts_against_its_client_at_once():
    async def scenario():
        usage = Usage()
        usage.add("a", 0.01)
        gate = FairGate(size=4, per_client=2, heavy_seconds=0.2, usage=usage)
        first = await gate.acquire("a", 1)
        assert gate.kind("a", time.monotonic()) == LIGHT
        await asyncio.sleep(0.3)  # its first query is still running: a second one is heavy already
        assert gate.kind("a", time.monotonic()) == HEAVY
        second = await gate.acquire("a", 1)
        assert second.kind == HEAVY
        gate.release(first)
        gate.release(second)

    run(scenario())


def test_a_freed_worker_goes_to_light_then_new_then_heavy_clients_least_used_first():
    async def scenario():
        usage = Usage()
        usage.add("busy", 0.5)
        usage.add("busier", 0.9)
        usage.add("hog", 50.0)
        gate = FairGate(size=1, per_client=2, heavy_seconds=5.0, usage=usage)
        holder = await gate.acquire("x", 1)
        order = []

        async def wait(client):
            ticket = await gate.acquire(client, 5)
            order.append(client)
            await asyncio.sleep(0.01)
            gate.release(ticket)

        tasks = []
        for client in ("hog", "fresh", "busier", "busy"):
            tasks.append(asyncio.ensure_future(wait(client)))
            await asyncio.sleep(0)
        await asyncio.sleep(0.01)
        gate.release(holder)
        await asyncio.gather(*tasks)
        assert order == ["busy", "busier", "fresh", "hog"]

    run(scenario())


def test_usage_decays():
    usage = Usage(half_life=10)
    usage.add("a", 8.0, now=100.0)
    assert usage.of("a", now=110.0) == pytest.approx(4.0)
    assert usage.of("nobody", now=110.0) == 0.0


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "client": (peer, 5000)})


def test_client_identity_trusts_forwarded_for_only_from_a_trusted_proxy():
    assert client_id(_request("203.0.113.9", "198.51.100.1"), None) == "203.0.113.9"
    assert client_id(_request("203.0.113.9", "198.51.100.1"), "10.0.0.0/8") == "203.0.113.9"
    assert client_id(_request("10.1.2.3", "198.51.100.1"), "10.0.0.0/8") == "198.51.100.1"
    # the client's own claim at the left is skipped: the right-most untrusted hop counts
    assert client_id(_request("10.1.2.3", "1.2.3.4, 198.51.100.7, 10.9.9.9"), "10.0.0.0/8") == "198.51.100.7"
    assert client_id(_request("10.1.2.3", "not-an-ip"), "10.0.0.0/8") == "10.1.2.3"
    assert client_id(_request("10.1.2.3"), "10.0.0.0/8") == "10.1.2.3"


def _client(n: int) -> httpx.Client:
    """A client with its own loopback source address, so the server sees a distinct peer."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=f"127.0.0.{n}"), timeout=60)


@pytest.fixture(scope="module")
def server():
    running = LiveServer({"ZHILI_QUERY_TIMEOUT": "2", "ZHILI_QUERY_WORKERS": "2", "ZHILI_QUEUE_TIMEOUT": "20"})
    yield running
    running.stop()


def test_one_client_cannot_queue_more_than_its_share(server):
    with _client(40) as client:
        results = []
        threads = [threading.Thread(target=lambda: results.append(client.get(server.url + "/sparql",
                                                                             params={"query": EXPLOSIVE})))
                   for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    codes = sorted(r.status_code for r in results)
    assert codes.count(429) == 2, codes
    refused = next(r for r in results if r.status_code == 429)
    assert int(refused.headers["retry-after"]) >= 1 and "ZHILI_CLIENT_QUERIES" in refused.text


def test_normal_queries_stay_fast_while_explosive_clients_run(server):
    """Six explosive clients (distinct addresses, more than the workers) loop on queries that hit the
    2 s limit, each keeping two queued. A returning client (one cheap query before the attack) must
    not wait behind them; a newcomer is not trusted yet and queues with the attackers, but is served."""
    n_explosive, stop = 6, threading.Event()
    with _client(60) as client:
        assert client.get(server.url + "/sparql", params={"query": NORMAL}).status_code == 200

    def attacker(n):
        with _client(50 + n) as client:
            while not stop.is_set():
                try:
                    client.get(server.url + "/sparql", params={"query": EXPLOSIVE})
                except httpx.HTTPError:
                    pass

    attackers = [threading.Thread(target=attacker, args=(n,)) for n in range(n_explosive) for _ in range(2)]
    for t in attackers:
        t.start()
    time.sleep(0.5)  # the attackers' first queries hold the workers already
    newcomer = []
    first_visit = threading.Thread(target=lambda: newcomer.append(
        _client(61).get(server.url + "/sparql", params={"query": NORMAL})))
    first_visit.start()
    latencies, codes = [], []
    with _client(60) as client:
        until = time.monotonic() + 10.0
        while time.monotonic() < until:
            started = time.monotonic()
            r = client.get(server.url + "/sparql", params={"query": NORMAL})
            latencies.append(time.monotonic() - started)
            codes.append(r.status_code)
            time.sleep(0.1)
    first_visit.join()
    stop.set()
    for t in attackers:
        t.join()
    assert newcomer[0].status_code == 200
    p50, worst = statistics.median(latencies), max(latencies)
    print(f"normal query under {n_explosive} explosive clients: {len(latencies)} queries, "
          f"p50 {p50 * 1000:.0f} ms, max {worst * 1000:.0f} ms")
    assert set(codes) == {200}
    assert p50 < 0.5, f"normal queries wait behind explosive ones (p50 {p50:.2f} s)"
    assert worst < 2 + 1, f"a normal query waited {worst:.1f} s: longer than one explosive query"
    fairness = httpx.get(server.url + "/health").json()["fairness"]
    assert fairness["granted_to_heavy"] > 0
