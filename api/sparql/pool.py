"""Run user SPARQL in worker processes that can be killed.

pyoxigraph cannot cancel a running query, and a thread cannot be stopped, so
every /sparql query runs in one of a few worker processes, each holding its
own read-only copy of the dataset. A query over the time limit gets its worker
killed (SIGKILL: its CPU is freed at once) and replaced; other workers keep
serving. Workers also drop into a private network namespace where the OS allows
it, so even a bug in the guard could not make an outbound request.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing as mp
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

log = logging.getLogger("zhili.sparql")

CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class QueryJob:
    query: str
    form: str
    fmt: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    max_rows: int = 10_000
    max_bytes: int = 16 * 1024 * 1024


@dataclass
class QueryOutcome:
    ok: bool
    body: bytes = b""
    rows: int = 0
    truncated: str | None = None
    error: str | None = None
    status: int = 200
    seconds: float = 0.0


class QueryTimeout(Exception):
    """The query ran over the time limit; its worker was killed."""


class PoolBusy(Exception):
    """No worker became free in time."""


class PoolClosed(Exception):
    """The pool is shutting down."""


def isolate_network() -> bool:
    """Move this process into an empty network namespace (needs CAP_SYS_ADMIN); True if done."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.unshare(CLONE_NEWNET) == 0
    except OSError:
        return False


def _worker_main(conn, data_file: str) -> None:
    import pyoxigraph as ox

    from api.sparql.results import write_boolean, write_solutions, write_triples
    from kg.namespaces import PREFIXES

    isolated = isolate_network()
    store = ox.Store()
    store.bulk_load(path=data_file, format=ox.RdfFormat.N_QUADS)
    conn.send(("ready", isolated))
    while True:
        try:
            job: QueryJob = conn.recv()
        except (EOFError, OSError):
            return
        started = time.perf_counter()
        try:
            kwargs = {"prefixes": PREFIXES}
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
                written = write_solutions(result, job.fmt, job.max_rows, job.max_bytes)
            outcome = QueryOutcome(True, written.body, written.rows, written.truncated)
        except SyntaxError as exc:
            outcome = QueryOutcome(False, error=f"SPARQL syntax error: {exc}", status=400)
        except (ValueError, TypeError) as exc:
            outcome = QueryOutcome(False, error=f"invalid query: {exc}", status=400)
        except OSError as exc:
            outcome = QueryOutcome(False, error=f"query evaluation failed: {exc}", status=400)
        outcome.seconds = time.perf_counter() - started
        conn.send(outcome)


class Worker:
    """One worker process and the pipe to it."""

    def __init__(self, ctx, data_file: str):
        self.parent, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, data_file), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.isolated = False

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        if not self.parent.poll(timeout):
            raise RuntimeError("query worker did not start in time")
        message = self.parent.recv()
        self.ready, self.isolated = message[0] == "ready", bool(message[1])

    def run(self, job: QueryJob, timeout: float) -> QueryOutcome:
        self.parent.send(job)
        if self.parent.poll(timeout):
            return self.parent.recv()
        raise QueryTimeout()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.parent.close()

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


class QueryPool:
    """A fixed number of query workers, handed out one job at a time."""

    def __init__(self, data_file: str, size: int = 2, timeout: float = 10.0, queue_timeout: float = 10.0,
                 start_timeout: float = 120.0):
        self.data_file = data_file
        self.size = max(1, size)
        self.timeout = timeout
        self.queue_timeout = queue_timeout
        self.start_timeout = start_timeout
        self.ctx = mp.get_context("spawn")
        self.stats = PoolStats()
        self._idle: asyncio.Queue[Worker] | None = None
        self._all: list[Worker] = []
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=self.size + 2, thread_name_prefix="sparql")
        self._closed = False

    def _spawn(self) -> Worker:
        worker = Worker(self.ctx, self.data_file)
        with self._lock:
            self._all.append(worker)
            self.stats.started += 1
        return worker

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        workers = [self._spawn() for _ in range(self.size)]
        loop = asyncio.get_running_loop()
        for worker in workers:
            await loop.run_in_executor(self._executor, worker.wait_ready, self.start_timeout)
            self._idle.put_nowait(worker)

    @property
    def isolated(self) -> bool:
        return all(w.isolated for w in self._all if w.ready)

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [w.pid for w in self._all if w.process.is_alive()]

    def _replace(self, worker: Worker) -> Worker:
        worker.kill()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
            self.stats.killed += 1
        return self._spawn()

    def _execute(self, worker: Worker, job: QueryJob) -> tuple[Worker, QueryOutcome | None, str | None]:
        """Blocking part, on a thread: returns the worker to put back and the outcome or a failure kind."""
        try:
            worker.wait_ready(self.start_timeout)
            return worker, worker.run(job, self.timeout), None
        except QueryTimeout:
            self.stats.timeouts += 1
            return self._replace(worker), None, "timeout"
        except (EOFError, OSError, BrokenPipeError, RuntimeError):
            self.stats.crashed += 1
            return self._replace(worker), None, "crashed"

    async def run(self, job: QueryJob) -> QueryOutcome:
        if self._closed or self._idle is None:
            raise PoolClosed()
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=self.queue_timeout)
        except asyncio.TimeoutError:
            self.stats.busy_refusals += 1
            raise PoolBusy() from None
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, self._execute, worker, job)
        # The worker goes back to the pool when the job ends, even if this request was cancelled.
        future.add_done_callback(lambda f: self._idle.put_nowait(f.result()[0]))
        worker, outcome, failure = await asyncio.shield(future)
        self.stats.queries += 1
        if failure == "timeout":
            raise QueryTimeout()
        if failure == "crashed":
            raise PoolBusy()
        return outcome

    async def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)
