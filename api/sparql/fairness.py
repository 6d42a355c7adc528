"""Fair sharing of the query workers between clients.

Rules applied before a query gets a worker (embedded or remote):
- a client may have at most `per_client` queries running or waiting; one more is
  refused at once with 429 and Retry-After (ClientLimit);
- each client is, at the moment a worker frees up, in one of three classes: *light*
  (it has a record here and its recent worker time, decayed with half-life HALF_LIFE
  and counting its queries still running, is under `heavy_seconds`), *new* (no record
  yet) or *heavy* (over `heavy_seconds`: with the default half the query time limit, one
  query stopped by the time limit is enough);
- new and heavy clients together may hold at most `size - 1` workers, so one worker is
  always kept for light clients: explosive queries slow each other down, not the rest;
- a free worker goes to the waiting query of the best class (light, then new, then
  heavy), then of the client with the least recent worker time, then the oldest.

An unknown query's cost cannot be known before it runs, so a client counts as new until
its first query has finished; a light client that turns to explosive queries can hold the
kept worker for one time limit before it counts as heavy.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from dataclasses import dataclass, field

HALF_LIFE = 60.0  # seconds: how fast a client's past use is forgiven
HEAVY_SECONDS = 5.0  # decayed worker-seconds above which a client counts as heavy (default: half of 10 s)
LIGHT, NEW, HEAVY = 0, 1, 2
MAX_TRACKED = 10_000  # clients remembered at most (the lightest are forgotten first)


class ClientLimit(Exception):
    """The client already has its maximum of queries running or waiting."""

    def __init__(self, limit: int, retry_after: int):
        super().__init__(f"at most {limit} queries per client may run or wait at once")
        self.limit = limit
        self.retry_after = retry_after


class NoSlot(Exception):
    """No worker became free within the queue timeout."""


class Usage:
    """Worker-seconds per client, decaying exponentially with time."""

    def __init__(self, half_life: float = HALF_LIFE, max_tracked: int = MAX_TRACKED):
        self.rate = math.log(2) / half_life
        self.max_tracked = max_tracked
        self._seen: dict[str, tuple[float, float]] = {}  # client -> (amount, at)

    def of(self, client: str, now: float | None = None) -> float:
        amount, at = self._seen.get(client, (0.0, 0.0))
        now = time.monotonic() if now is None else now
        return amount * math.exp(-self.rate * (now - at)) if amount else 0.0

    def known(self, client: str) -> bool:
        return client in self._seen

    def add(self, client: str, seconds: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._seen[client] = (self.of(client, now) + seconds, now)
        if len(self._seen) > self.max_tracked:
            lightest = sorted(self._seen, key=lambda c: self.of(c, now))[: len(self._seen) // 10]
            for c in lightest:
                del self._seen[c]


@dataclass
class Ticket:
    client: str
    kind: int = NEW  # LIGHT, NEW or HEAVY when the worker was granted
    started: float = 0.0

    @property
    def restricted(self) -> bool:
        return self.kind != LIGHT


@dataclass
class _Waiter:
    seq: int
    ticket: Ticket
    future: asyncio.Future


@dataclass
class GateStats:
    client_refusals: int = 0
    queue_timeouts: int = 0
    granted: int = 0
    granted_to_new: int = 0
    granted_to_heavy: int = 0


class FairGate:
    """`size` slots (one per worker) handed out by the rules above."""

    def __init__(self, size: int, per_client: int = 2, heavy_seconds: float = HEAVY_SECONDS,
                 usage: Usage | None = None, retry_after: int = 5):
        self.size = max(1, size)
        self.per_client = max(1, per_client)
        self.heavy_seconds = heavy_seconds
        self.usage = usage or Usage()
        self.retry_after = retry_after
        self.reserve = 1 if self.size >= 2 else 0
        self.free = self.size
        self.restricted_running = 0  # workers held by new or heavy clients
        self.inflight: dict[str, int] = {}
        self.running: dict[str, list[float]] = {}  # client -> start times of its running queries
        self.waiters: list[_Waiter] = []
        self.stats = GateStats()
        self._seq = itertools.count()

    def recent(self, client: str, now: float) -> float:
        """Decayed worker time of finished queries plus the time its running queries have taken so far."""
        return self.usage.of(client, now) + sum(now - t for t in self.running.get(client, ()))

    def kind(self, client: str, now: float) -> int:
        if self.recent(client, now) >= self.heavy_seconds:
            return HEAVY
        return LIGHT if self.usage.known(client) else NEW

    def _dispatch(self) -> None:
        now = time.monotonic()
        while self.free > 0 and self.waiters:
            open_to_restricted = self.restricted_running < self.size - self.reserve
            best, best_key = None, None
            for waiter in self.waiters:
                kind = self.kind(waiter.ticket.client, now)
                if kind != LIGHT and not open_to_restricted:
                    continue
                key = (kind, self.recent(waiter.ticket.client, now), waiter.seq)
                if best_key is None or key < best_key:
                    best, best_key = waiter, key
            if best is None:
                return
            self.waiters.remove(best)
            ticket = best.ticket
            ticket.kind, ticket.started = best_key[0], now
            self.free -= 1
            self.restricted_running += ticket.restricted
            self.running.setdefault(ticket.client, []).append(now)
            self.stats.granted += 1
            self.stats.granted_to_new += ticket.kind == NEW
            self.stats.granted_to_heavy += ticket.kind == HEAVY
            best.future.set_result(ticket)

    async def acquire(self, client: str, timeout: float) -> Ticket:
        """A slot for one query of `client`; raises ClientLimit at once, or NoSlot after `timeout`."""
        if self.inflight.get(client, 0) >= self.per_client:
            self.stats.client_refusals += 1
            raise ClientLimit(self.per_client, self.retry_after)
        self.inflight[client] = self.inflight.get(client, 0) + 1
        ticket = Ticket(client)
        waiter = _Waiter(next(self._seq), ticket, asyncio.get_running_loop().create_future())
        self.waiters.append(waiter)
        self._dispatch()
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.shield(waiter.future)
        except (TimeoutError, asyncio.CancelledError) as exc:
            if waiter.future.done() and not waiter.future.cancelled():
                self.release(ticket)  # granted just as we gave up: hand it on
            else:
                self.waiters.remove(waiter)
                waiter.future.cancel()
                self._forget(client)
            if isinstance(exc, TimeoutError):
                self.stats.queue_timeouts += 1
                raise NoSlot() from None
            raise

    def _forget(self, client: str) -> None:
        left = self.inflight.get(client, 1) - 1
        if left > 0:
            self.inflight[client] = left
        else:
            self.inflight.pop(client, None)

    def release(self, ticket: Ticket) -> None:
        """Give the slot back and charge the client for the time it held it."""
        now = time.monotonic()
        self.free += 1
        self.restricted_running -= ticket.restricted
        starts = self.running.get(ticket.client, [])
        if ticket.started in starts:
            starts.remove(ticket.started)
        if not starts:
            self.running.pop(ticket.client, None)
        self._forget(ticket.client)
        self.usage.add(ticket.client, now - ticket.started, now)
        self._dispatch()

    def snapshot(self) -> dict:
        return {**vars(self.stats), "waiting": len(self.waiters), "running": self.size - self.free,
                "restricted_running": self.restricted_running, "heavy_seconds": self.heavy_seconds, "clients_in_flight": len(self.inflight),
                "per_client_limit": self.per_client}
