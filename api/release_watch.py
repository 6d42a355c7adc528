"""Remote mode: keep checking that the store holds the release being served, and follow new ones.

Every `poll` seconds (and on every /health) the watcher reads the store's release pointer and
counts the quads in the release's graphs: a count that disagrees with the record, or a
pointer that is gone or ambiguous, makes every store-backed answer a 503 naming the problem
until the store agrees again. The full checksum is compared at start-up, on every switch and
every `verify_interval` seconds. When the pointer names a new release, the watcher reads it,
checks its checksum, derives the catalog in the background and swaps it in: no restart, and
requests in flight finish on the release they started on.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pyoxigraph as ox

from kg.release import Release
from kg.store import dataset_checksum

from .repository import StoreUnavailable
from .snapshot import derive

log = logging.getLogger("zhili.release")


class ReleaseMismatch(RuntimeError):
    """The store does not hold what the release record says."""


def verified_quads(repo, release: Release) -> list:
    """The release's quads, checked against its record (count and checksum)."""
    quads = repo.quads()
    if len(quads) != release.quads or dataset_checksum(quads) != release.checksum:
        raise ReleaseMismatch(f"the store's release {release.id} holds {len(quads)} quads that do not match its "
                              f"record ({release.quads} quads, checksum {release.checksum[:12]}…)")
    if release.union:  # the default graph user queries read: exactly the file graphs' triples
        from kg.release import canonical_triples

        union = repo.union_triples()
        if len(union) != release.union_triples or union != canonical_triples(
                ox.Triple(q.subject, q.predicate, q.object) for q in quads):
            raise ReleaseMismatch(f"the union graph of release {release.id} holds {len(union)} triples that are not "
                                  f"the triples of its graphs ({release.union_triples} in its record)")
    return quads


class ReleaseWatch:
    def __init__(self, service, poll: float, verify_interval: float):
        self.service = service
        self.poll = poll
        self.verify_interval = verify_interval
        self.last_verified = time.monotonic()
        self.switches = 0
        self.state = "ok"
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.poll)
            try:
                await self.check()
            except Exception:  # never let the watcher die: log and try again next time
                log.exception("release check failed")

    async def check(self) -> str:
        """One check (and a switch, if the pointer moved); returns the state. Runs on the store's own threads.
        While a check (or a switch, which reads and verifies the whole new release) is under way, the state it
        started from is returned at once: /health never waits behind one."""
        if self._lock.locked():
            return self.state
        async with self._lock:
            loop = asyncio.get_running_loop()
            full = time.monotonic() - self.last_verified >= self.verify_interval
            found = await loop.run_in_executor(self.service.store_executor, self._check, full)
            if isinstance(found, Release):
                await self._switch(found)
            return self.state

    def _check(self, full: bool):
        repo = self.service.repo
        try:
            current = repo.current_release(checking=True)
            if current is None:
                return self._problem("the store no longer holds a single current release pointer")
            if current.id != repo.release.id:
                return current
            count = repo.count(checking=True)
            expected = repo.release.quads + repo.release.union_triples
            if count != expected:
                return self._problem(f"the store holds {count} quads in release {current.id}, whose record says "
                                     f"{expected}")
            if full:
                verified_quads(repo.view(), repo.release)
                self.last_verified = time.monotonic()
        except ReleaseMismatch as exc:
            return self._problem(str(exc))
        except StoreUnavailable:
            self.state = "store unavailable"  # the store's own failures are reported as such, not as a mismatch
            return None
        repo.problem, self.state = None, "ok"
        return None

    def _problem(self, message: str) -> None:
        text = f"{message}; store answers are refused until it does"
        if self.service.repo.problem != text:
            log.error("release check: %s", text)
        self.service.repo.problem, self.state = text, "store does not match the release"
        return None

    async def _switch(self, release: Release) -> None:
        loop = asyncio.get_running_loop()
        old = self.service.repo
        try:
            repo, derived, quads = await loop.run_in_executor(self.service.store_executor, self._prepare, release)
        except (ReleaseMismatch, StoreUnavailable) as exc:
            self._problem(f"the new release {release.id} cannot be served ({exc})")
            return
        self.service.adopt(repo, derived, release.checksum, len(quads))
        self.last_verified, self.switches, self.state = time.monotonic(), self.switches + 1, "ok"
        log.warning("now serving release %s (was %s)", release.id, old.release.id if old.release else None)

    def _prepare(self, release: Release):
        repo = self.service.repo.for_release(release)
        quads = verified_quads(repo, release)
        return repo, derive(repo, len(quads)), quads
