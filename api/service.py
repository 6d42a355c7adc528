"""Everything a running app holds: the repository, the catalog, the query pool and derived data."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.store import dataset_checksum

from .catalog import Catalog
from .repository import Repository
from .response_cache import ResponseCache
from .snapshot import Derived, derive, read_snapshot
from .settings import Settings
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
    workdir: tempfile.TemporaryDirectory | None = None
    extra: dict = field(default_factory=dict)
    responses: ResponseCache = field(default_factory=ResponseCache)

    @classmethod
    def create(cls, settings: Settings, repo: Repository) -> "Service":
        """Read the graph once: catalog, checksum, counts and, for an in-memory store, the dump the
        workers load. A store built on disk by `kg build` brings its checksum, its quad count and a
        snapshot of the derived state; its workers open it read-only."""
        location = getattr(repo, "location", None)
        if location:
            derived = read_snapshot(Path(location), repo.checksum) or derive(repo, repo.quad_count)
            return cls._of(settings, repo, derived, repo.checksum, repo.quad_count)
        quads = repo.quads()
        service = cls._of(settings, repo, derive(repo, len(quads)), dataset_checksum(quads), len(quads))
        if repo.kind == "embedded":
            service.workdir = tempfile.TemporaryDirectory(prefix="zhili-")
            (Path(service.workdir.name) / "dataset.nq").write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
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
        elif self.workdir is not None:
            source, kind = str(Path(self.workdir.name) / "dataset.nq"), "nquads"
        else:
            return
        self.pool = QueryPool(source, self.settings.workers, self.settings.query_timeout, self.settings.queue_timeout,
                              kind=kind)
        await self.pool.start()

    async def run_query(self, job):
        """Run a user query under the endpoint's rules: embedded, in the killable worker pool;
        remote, forwarded to the server (after the same guard) and re-written under the same caps."""
        from .sparql.pool import PoolClosed

        if self.repo.kind == "remote":
            return await asyncio.to_thread(remote_query, self.repo, job, self.settings.query_timeout)
        if self.pool is None:
            raise PoolClosed()
        return await self.pool.run(job)

    async def stop(self) -> None:
        if self.pool:
            await self.pool.close()
        if self.workdir:
            self.workdir.cleanup()


def remote_query(repo, job, timeout: float):
    """Forward (after the guard), parse, re-write under the same caps as the embedded store.

    Nothing is evaluated locally: even parsing by evaluation on an empty store can take
    unbounded time for a query with thousands of joins.
    """
    from .remote import StoreTimeout, StoreTruncated, user_position
    from .sparql.pool import QueryOutcome, QueryTimeout
    from .sparql.results import write_boolean, write_solutions, write_triples

    graph = job.form in ("CONSTRUCT", "DESCRIBE")
    accept = "application/n-triples" if graph else "application/sparql-results+json"
    try:
        body = repo.raw(job.query, accept, list(job.default_graphs), list(job.named_graphs), timeout)
    except StoreTimeout:
        raise QueryTimeout() from None
    except ValueError as exc:
        return QueryOutcome(False, error=f"SPARQL syntax error (from the store): {user_position(str(exc))}", status=400)
    tail = body.rstrip()[-200:]
    complete = (not tail or tail.endswith(b".")) if graph else tail.endswith(b"}")
    if not complete:
        raise StoreTruncated("the store returned a truncated answer (cut off part-way, by its own time limit?): "
                             + tail[-60:].decode("utf-8", errors="replace"))
    try:
        if graph:
            written = write_triples(iter(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)), job.fmt, job.max_rows, job.max_bytes)
        else:
            result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            if isinstance(result, ox.QueryBoolean):
                written = write_boolean(bool(result), job.fmt)
            else:
                written = write_solutions(result, job.fmt, job.max_rows, job.max_bytes)
    except SyntaxError as exc:
        raise StoreTruncated(f"the store returned a truncated or invalid result ({exc})") from None
    return QueryOutcome(True, written.body, written.rows, written.truncated)
