"""Everything a running app holds: the repository, the catalog, the query pool and derived data."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.store import dataset_checksum

from .catalog import Catalog
from .release_watch import ReleaseWatch, verified_quads
from .repository import Repository
from .response_cache import AnswerCache, ResponseCache
from .snapshot import Derived, derive, read_snapshot
from .settings import Settings
from .sparql.fairness import FairGate
from .sparql.pool import QueryPool
from .views import SearchIndex


@dataclass
class Service:
    settings: Settings
    repo: Repository
    catalog: Catalog
    search: SearchIndex
    checksum: str
    triples: int
    pool: QueryPool | None = None
    dump_fd: int | None = None  # an anonymous memory file with the dataset as N-Quads, for the workers
    extra: dict = field(default_factory=dict)
    responses: ResponseCache = field(default_factory=ResponseCache)
    gate: FairGate | None = None

    def __post_init__(self):
        # remote mode: the store's reads run on threads of their own, apart from user queries, so /health, REST
        # and linked-data pages never wait behind them (embedded: the same threads serve describe() on the store)
        self.store_executor = ThreadPoolExecutor(4, thread_name_prefix="zhili-store")
        self.query_executor = ThreadPoolExecutor(max(1, self.settings.workers), thread_name_prefix="zhili-query")
        self.watch: ReleaseWatch | None = None
        self.answers = AnswerCache(self.settings.answer_cache_bytes)  # SPARQL answers of this release
        self.gate = FairGate(self.settings.workers, self.settings.client_queries,
                             heavy_seconds=max(0.5, self.settings.query_timeout / 2),
                             retry_after=max(1, round(self.settings.query_timeout / 2)))

    @classmethod
    def create(cls, settings: Settings, repo: Repository) -> "Service":
        """Read the graph once: catalog, checksum, counts and, for an in-memory store, the dump the
        workers load. A store built on disk by `kg build` brings its checksum, its quad count and a
        snapshot of the derived state; its workers open it read-only."""
        location = getattr(repo, "location", None)
        if location:
            derived = read_snapshot(Path(location), repo.checksum) or derive(repo, repo.quad_count)
            return cls._of(settings, repo, derived, repo.checksum, repo.quad_count)
        if repo.kind == "remote":
            quads = verified_quads(repo, repo.release)  # refuse to start on a store that does not hold its release
        else:
            quads = repo.quads()
        service = cls._of(settings, repo, derive(repo, len(quads)), dataset_checksum(quads), len(quads))
        if repo.kind == "embedded":
            # in memory, not in a temporary folder: a killed server leaves nothing behind
            service.dump_fd = os.memfd_create("zhili-dataset")
            os.write(service.dump_fd, ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
        return service

    @classmethod
    def _of(cls, settings: Settings, repo: Repository, derived: Derived, checksum: str, triples: int) -> "Service":
        service = cls(settings, repo, derived.catalog, derived.search, checksum, triples)
        service.extra["class_counts"] = derived.class_counts
        service.extra["stats"] = derived.stats
        return service

    async def start_pool(self) -> None:
        """Start the query workers (embedded store only): on the dump, or on the on-disk store."""
        location = getattr(self.repo, "location", None)
        if location:
            source, kind = location, "disk"
        elif self.dump_fd is not None:
            source, kind = f"/proc/{os.getpid()}/fd/{self.dump_fd}", "nquads"
        else:
            return
        self.pool = QueryPool(source, self.settings.workers, self.settings.query_timeout, self.settings.queue_timeout,
                              kind=kind, memory_limit=self.settings.query_memory)
        await self.pool.start()

    def adopt(self, repo, derived: Derived, checksum: str, triples: int) -> None:
        """Serve another release (remote mode): swapped in one step on the event loop."""
        self.repo, self.catalog, self.search = repo, derived.catalog, derived.search
        self.checksum, self.triples = checksum, triples
        self.extra = {"class_counts": derived.class_counts, "stats": derived.stats}
        self.responses = ResponseCache()
        self.answers = AnswerCache(self.settings.answer_cache_bytes)  # answers of the old release are gone with it

    def graph_names(self) -> dict[str, str]:
        """Graph IRIs a client may name in default-graph-uri / named-graph-uri, to the name the store uses:
        the dataset's file graphs, and in remote mode also the current release's own graph names."""
        names = self.extra.get("dataset_graphs")
        if names is None:
            if self.repo.kind == "remote":
                from kg.release import canonical_graph

                names = {g: g for g in self.repo.graphs} | {canonical_graph(g): g for g in self.repo.graphs}
            elif getattr(self.repo, "store", None) is not None:
                names = {g.value: g.value for g in self.repo.store.named_graphs()}
            else:
                names = {}
            self.extra["dataset_graphs"] = names
        return names

    async def in_store_thread(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self.store_executor, function, *args)

    async def start_watch(self) -> None:
        if self.repo.kind == "remote":
            self.watch = ReleaseWatch(self, self.settings.release_poll, self.settings.verify_interval)
            self.watch.start()

    async def run_query(self, job, client: str = "local"):
        """Run a user query under the endpoint's rules, once the fair gate gives `client` a slot:
        embedded, in the killable worker pool; remote, forwarded to the server (after the same
        guard) and re-written under the same caps."""
        from .sparql.fairness import NoSlot
        from .sparql.pool import PoolBusy, PoolClosed

        if self.repo.kind != "remote" and self.pool is None:
            raise PoolClosed()
        try:
            ticket = await self.gate.acquire(client, self.settings.queue_timeout)
        except NoSlot:
            raise PoolBusy() from None

        async def run_then_release():
            try:
                if self.repo.kind == "remote":
                    return await asyncio.get_running_loop().run_in_executor(
                        self.query_executor, remote_query, self.repo, job, self.settings.query_timeout)
                return await self.pool.run(job)
            finally:
                self.gate.release(ticket)

        # Shielded: a client that goes away does not free the slot before its worker is free.
        task = asyncio.ensure_future(run_then_release())
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return await asyncio.shield(task)

    async def stop(self) -> None:
        if self.watch:
            await self.watch.stop()
        self.store_executor.shutdown(wait=False, cancel_futures=True)
        self.query_executor.shutdown(wait=False, cancel_futures=True)
        if self.pool:
            await self.pool.close()
        if self.dump_fd is not None:
            os.close(self.dump_fd)
            self.dump_fd = None


def remote_query(repo, job, timeout: float):
    """Forward (after the guard) and re-write under the same caps as the embedded store, parsing
    the store's answer as it streams in and stopping at the caps: the server process never holds
    more of an answer than it sends on.

    Nothing is evaluated locally: even parsing by evaluation on an empty store can take
    unbounded time for a query with thousands of joins.
    """
    from .remote import StoreTimeout, StoreTruncated, user_position
    from .sparql.pool import QueryOutcome, QueryTimeout
    from .sparql.results import NotRepresentable, write_boolean, write_solutions, write_triples

    graph = job.form in ("CONSTRUCT", "DESCRIBE")
    accept = "application/n-triples" if graph else "application/sparql-results+json"
    try:
        with repo.stream(job.query, accept, list(job.default_graphs), list(job.named_graphs), timeout) as answer:
            if graph:
                written = write_triples(ox.parse(answer, format=ox.RdfFormat.N_TRIPLES), job.fmt, job.max_rows,
                                        job.max_bytes)
            else:
                result = ox.parse_query_results(answer, format=ox.QueryResultsFormat.JSON)
                if isinstance(result, ox.QueryBoolean):
                    written = write_boolean(bool(result), job.fmt)
                else:
                    written = write_solutions(result, job.fmt, job.max_rows, job.max_bytes, job.order)
    except StoreTimeout:
        raise QueryTimeout() from None
    except SyntaxError as exc:  # the stream ended part-way (e.g. the store's own time limit) or is malformed
        raise StoreTruncated(f"the store returned a truncated or invalid answer ({str(exc)[:200]})") from None
    except NotRepresentable as exc:
        return QueryOutcome(False, error=str(exc), status=exc.status)
    except ValueError as exc:  # the store's 4xx answer
        return QueryOutcome(False, error=f"SPARQL syntax error (from the store): {user_position(str(exc))}", status=400)
    return QueryOutcome(True, written.body, written.rows, written.truncated)
