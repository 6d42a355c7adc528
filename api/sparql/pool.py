"""Run user SPARQL in worker processes that can be killed.

pyoxigraph cannot cancel a running query, and a thread cannot be stopped, so
every /sparql query runs in one of a few worker processes, each holding its
own read-only copy of the dataset (or a read-only handle on an on-disk store).
A query over the time limit gets its worker killed (SIGKILL: its CPU is freed
at once) and replaced; other workers keep serving. A query over the memory limit
fails an allocation, which kills its worker; that too is replaced and the client
told why. Each worker sits behind the walls of `sandbox` (parent-death signal,
network namespace, seccomp, memory limit), none of which relies on the guard.

The server talks to a worker over a socket pair with length-prefixed pickles,
read by the event loop itself: no thread hand-off per query. The dataset reaches
new workers through an anonymous memory file of the server's (nothing on disk to
leave behind if the server is killed).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import pickle
import signal
import socket
import struct
import time
from dataclasses import dataclass

import pyoxigraph as ox

from kg.namespaces import PREFIXES

from . import sandbox
from .results import NotRepresentable, write_boolean, write_solutions, write_solutions_native, write_triples

log = logging.getLogger("zhili.sparql")

_HEADER = struct.Struct("!Q")


@dataclass(frozen=True)
class QueryJob:
    query: str
    form: str
    fmt: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    max_rows: int = 10_000
    max_bytes: int = 16 * 1024 * 1024
    order: tuple[str, ...] | None = None  # SELECT *: the variables in pattern order (results.star_order)


@dataclass
class QueryOutcome:
    ok: bool
    body: bytes = b""
    rows: int = 0
    truncated: str | None = None
    error: str | None = None
    status: int = 200
    seconds: float = 0.0
    replace_worker: bool = False  # the worker ran out of memory: answer, then replace it


class QueryTimeout(Exception):
    """The query ran over the time limit; its worker was killed."""


class PoolBusy(Exception):
    """No worker became free in time."""


class QueryMemoryExceeded(Exception):
    """The query needed more memory than a worker may use; its worker was replaced."""


class PoolClosed(Exception):
    """The pool is shutting down."""


def _open_store(source: str, kind: str):
    if kind == "disk":
        return ox.Store.read_only(source)
    store = ox.Store()
    store.bulk_load(path=source, format=ox.RdfFormat.N_QUADS)
    return store


def evaluate(store, job: QueryJob) -> QueryOutcome:
    """Run one job on a store and write its result under the job's caps."""
    started = time.perf_counter()
    kwargs = {"prefixes": PREFIXES}
    try:
        if job.default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = True
        if job.named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
        result = store.query(job.query, **kwargs)
        if isinstance(result, ox.QueryBoolean):
            written = write_boolean(bool(result), job.fmt)
        elif isinstance(result, ox.QueryTriples):
            written = write_triples(result, job.fmt, job.max_rows, job.max_bytes)
        else:
            written = write_solutions_native(result, job.fmt, job.max_rows, job.max_bytes, job.order)
            if written is None:  # over a cap: evaluate again and cut the result part-way
                written = write_solutions(store.query(job.query, **kwargs), job.fmt, job.max_rows, job.max_bytes,
                                          job.order)
        outcome = QueryOutcome(True, written.body, written.rows, written.truncated)
    except NotRepresentable as exc:
        outcome = QueryOutcome(False, error=str(exc), status=exc.status)
    except SyntaxError as exc:
        outcome = QueryOutcome(False, error=f"SPARQL syntax error: {exc}", status=400)
    except (ValueError, TypeError) as exc:
        outcome = QueryOutcome(False, error=f"invalid query: {exc}", status=400)
    except MemoryError:
        outcome = QueryOutcome(False, error="memory", status=503, replace_worker=True)
    except OSError as exc:
        outcome = QueryOutcome(False, error=f"query evaluation failed: {exc}", status=400)
    except Exception as exc:  # a bug of ours: answer 500 but keep the worker
        log.exception("query worker failed on a query")
        outcome = QueryOutcome(False, error=f"internal error while writing the result ({type(exc).__name__})", status=500)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _send_frame(stream, obj) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _recv_frame(stream):
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError
    return pickle.loads(payload)


def _worker_main(sock: socket.socket, source: str, kind: str, parent_pid: int, memory_limit: int | None) -> None:
    os.environ["RUST_BACKTRACE"] = "0"  # an allocation refused under the memory limit: one line in the log, not a trace
    walls = sandbox.enter(parent_pid, memory_limit)
    store = _open_store(source, kind)
    walls.seccomp = sandbox.forbid_network_and_exec()
    reader, writer = sock.makefile("rb"), sock.makefile("wb")
    _send_frame(writer, ("ready", vars(walls)))
    while True:
        try:
            job = _recv_frame(reader)
        except (EOFError, OSError):
            return
        _send_frame(writer, evaluate(store, job))


class Worker:
    """One worker process and the socket to it."""

    def __init__(self, ctx, source: str, kind: str, memory_limit: int | None = None):
        parent, child = socket.socketpair()
        self.process = ctx.Process(target=_worker_main, args=(child, source, kind, os.getpid(), memory_limit),
                                   daemon=True)
        self.process.start()
        child.close()
        self.sock = parent
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.ready = False
        self.walls: dict = {}

    async def _frame(self):
        header = await self.reader.readexactly(_HEADER.size)
        (size,) = _HEADER.unpack(header)
        return pickle.loads(await self.reader.readexactly(size))

    async def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        if self.reader is None:
            self.reader, self.writer = await asyncio.open_unix_connection(sock=self.sock, limit=1 << 20)
        try:
            message = await asyncio.wait_for(self._frame(), timeout)
        except asyncio.TimeoutError:
            raise RuntimeError("query worker did not start in time") from None
        self.ready, self.walls = message[0] == "ready", dict(message[1])

    async def run(self, job: QueryJob, timeout: float) -> QueryOutcome:
        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        self.writer.write(_HEADER.pack(len(payload)) + payload)
        try:
            async with asyncio.timeout(timeout):  # no extra task per query, unlike wait_for
                return await self._frame()
        except TimeoutError:
            raise QueryTimeout() from None

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        if self.writer is not None:
            self.writer.close()
        else:
            self.sock.close()

    def reap(self) -> None:
        """Collect the killed process (blocking; call off the event loop)."""
        self.process.join(timeout=5)

    def died_of_memory(self) -> bool:
        """The engine aborts (SIGABRT) when an allocation fails under the memory limit."""
        return self.process.exitcode == -signal.SIGABRT

    @property
    def pid(self) -> int | None:
        return self.process.pid


@dataclass
class PoolStats:
    started: int = 0
    killed: int = 0
    timeouts: int = 0
    busy_refusals: int = 0
    queries: int = 0
    crashed: int = 0
    memory_exceeded: int = 0


class QueryPool:
    """A fixed number of query workers, handed out one job at a time.

    source is an N-Quads file each worker loads into memory (kind "nquads"), or an
    on-disk pyoxigraph store each worker opens read-only (kind "disk").
    """

    def __init__(self, source: str, size: int = 2, timeout: float = 10.0, queue_timeout: float = 10.0,
                 start_timeout: float = 120.0, kind: str = "nquads", memory_limit: int | None = None):
        self.source = source
        self.kind = kind
        self.memory_limit = memory_limit
        self.size = max(1, size)
        self.timeout = timeout
        self.queue_timeout = queue_timeout
        self.start_timeout = start_timeout
        self.ctx = mp.get_context("spawn")
        self.stats = PoolStats()
        self._idle: asyncio.Queue[Worker] | None = None
        self._all: list[Worker] = []
        self._closed = False

    def _spawn(self) -> Worker:
        worker = Worker(self.ctx, self.source, self.kind, self.memory_limit)
        self._all.append(worker)
        self.stats.started += 1
        return worker

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        workers = [self._spawn() for _ in range(self.size)]
        for worker in workers:
            await worker.wait_ready(self.start_timeout)
            self._idle.put_nowait(worker)

    @property
    def isolated(self) -> bool:
        return all(w.walls.get("network_namespace") for w in self._all if w.ready)

    def walls(self) -> dict[str, bool | int | None]:
        """Which sandbox walls every ready worker has up (a wall counts only if all have it)."""
        ready = [w.walls for w in self._all if w.ready]
        if not ready:
            return {}
        return {key: (all(bool(w.get(key)) for w in ready) if key != "memory_limit" else ready[0].get(key))
                for key in ready[0]}

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self._all if w.process.is_alive()]

    async def _replace(self, worker: Worker) -> Worker:
        """Kill the worker, wait until it is gone (its CPU freed), start a replacement."""
        worker.kill()
        if worker in self._all:
            self._all.remove(worker)
        self.stats.killed += 1
        await asyncio.get_running_loop().run_in_executor(None, worker.reap)
        return self._spawn()

    async def _job(self, worker: Worker, job: QueryJob) -> tuple[QueryOutcome | None, str | None]:
        """Run one job; the worker (or its replacement) always goes back to the pool."""
        try:
            await worker.wait_ready(self.start_timeout)
            outcome = await worker.run(job, self.timeout)
            if outcome.replace_worker:  # a MemoryError left it in an unknown state
                self.stats.memory_exceeded += 1
                worker = await self._replace(worker)
                return None, "memory"
            return outcome, None
        except QueryTimeout:
            self.stats.timeouts += 1
            worker = await self._replace(worker)
            return None, "timeout"
        except (EOFError, OSError, asyncio.IncompleteReadError, RuntimeError, pickle.UnpicklingError):
            dead = worker
            worker = await self._replace(worker)
            if dead.died_of_memory():
                self.stats.memory_exceeded += 1
                return None, "memory"
            self.stats.crashed += 1
            return None, "crashed"
        finally:
            if not self._closed:
                self._idle.put_nowait(worker)

    async def run(self, job: QueryJob) -> QueryOutcome:
        if self._closed or self._idle is None:
            raise PoolClosed()
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=self.queue_timeout)
        except asyncio.TimeoutError:
            self.stats.busy_refusals += 1
            raise PoolBusy() from None
        # Shielded: a cancelled request (client gone) still lets the job finish and the worker return.
        outcome, failure = await asyncio.shield(asyncio.ensure_future(self._job(worker, job)))
        self.stats.queries += 1
        if failure == "timeout":
            raise QueryTimeout()
        if failure == "memory":
            raise QueryMemoryExceeded()
        if failure == "crashed":
            raise PoolBusy()
        return outcome

    async def close(self) -> None:
        self._closed = True
        workers = list(self._all)
        self._all.clear()
        for worker in workers:
            worker.kill()
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(None, w.reap) for w in workers))
