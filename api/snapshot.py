"""What the service derives from a store (catalog, search index, counts), saved beside an on-disk store.

Building the catalog reads every fact through SPARQL: about 16 s at a million triples on
the on-disk store. `kg build` therefore saves the derived state next to the store it wrote,
keyed by the dataset's checksum and by the source of the code that derives it, so a
changed dataset or changed code is never served from a stale snapshot (the service then
derives it afresh). The file is a pickle: it is as trusted as the store folder it sits in,
which only `kg build` writes.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

from kg.stats import compute_stats

from .catalog import Catalog
from .repository import Repository
from .views import SearchIndex

log = logging.getLogger("zhili")
SNAPSHOT = "zhili-service.pickle"
CLASS_COUNTS = """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"""
_DERIVING_CODE = ["catalog.py", "views.py", "models.py", "snapshot.py", "../kg/stats.py"]


@dataclass
class Derived:
    catalog: Catalog
    search: SearchIndex
    class_counts: dict
    stats: dict


def derive(repo: Repository, triples: int) -> Derived:
    catalog = Catalog(repo)
    return Derived(catalog, SearchIndex(catalog), {r["class"]: r["n"] for r in repo.select(CLASS_COUNTS)},
                   compute_stats(run=repo.select, triples=triples))


def snapshot_key(checksum: str) -> str:
    digest = hashlib.sha256(checksum.encode())
    here = Path(__file__).parent
    for name in _DERIVING_CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def write_snapshot(location: Path, derived: Derived, checksum: str) -> None:
    with open(Path(location) / SNAPSHOT, "wb") as f:
        pickle.dump({"key": snapshot_key(checksum), "derived": derived}, f, protocol=pickle.HIGHEST_PROTOCOL)


def read_snapshot(location: Path, checksum: str) -> Derived | None:
    path = Path(location) / SNAPSHOT
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as f:
            saved = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
        log.warning("ignoring unreadable snapshot %s: %s", path, exc)
        return None
    if saved.get("key") != snapshot_key(checksum):
        log.warning("snapshot %s is for other data or other code; deriving afresh", path)
        return None
    return saved["derived"]
