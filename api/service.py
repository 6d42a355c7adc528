"""Everything a running app holds: the repository, the catalog, the query pool and derived data."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .catalog import Catalog
from .repository import Repository
from .settings import Settings
from .sparql.pool import QueryPool
from .views import SearchIndex


def dataset_checksum(quads: list[ox.Quad]) -> str:
    """SHA-256 over the sorted N-Quads lines: equal for equal datasets whatever the order."""
    lines = sorted(str(q) + " .\n" for q in quads)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
    return digest.hexdigest()


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

    @classmethod
    def create(cls, settings: Settings, repo: Repository) -> "Service":
        catalog = Catalog(repo)
        quads = repo.quads()
        return cls(settings, repo, catalog, SearchIndex(catalog), dataset_checksum(quads), len(quads))

    async def start_pool(self) -> None:
        """Dump the dataset once and start the query workers that load it."""
        self.workdir = tempfile.TemporaryDirectory(prefix="zhili-")
        path = Path(self.workdir.name) / "dataset.nq"
        path.write_bytes(ox.serialize(self.repo.quads(), format=ox.RdfFormat.N_QUADS))
        self.pool = QueryPool(str(path), self.settings.workers, self.settings.query_timeout, self.settings.queue_timeout)
        await self.pool.start()

    async def run_query(self, job):
        """Run a user query under the endpoint's rules (embedded: the killable worker pool)."""
        from .sparql.pool import PoolClosed

        if self.pool is None:
            raise PoolClosed()
        return await self.pool.run(job)

    async def stop(self) -> None:
        if self.pool:
            await self.pool.close()
        if self.workdir:
            self.workdir.cleanup()
