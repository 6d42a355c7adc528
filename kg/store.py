"""The pyoxigraph store: one named graph per file; queries see their union by default."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyoxigraph as ox

from .dataset import dataset_files, graph_name
from .namespaces import PREFIXES
from .paths import DATA


def build_store(
    files: list[Path] | None = None, location: Path | None = None
) -> ox.Store:
    """Load files into a fresh store, in memory unless location is given (then replaced)."""
    files = files if files is not None else dataset_files(DATA)
    store = ox.Store()
    for path in files:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(str(graph_name(path))))
    return write_on_disk(store, location) if location else store


def write_on_disk(source: ox.Store, location: Path) -> ox.Store:
    """Copy a store into an on-disk store at location (replaced). One bulk load writes sorted
    tables directly, so there is no write-ahead log to replay when it is opened read-only."""
    store = ox.Store(str(location))
    store.clear()
    store.bulk_extend(source)
    store.flush()
    store.optimize()
    return store


def select(store: ox.Store, query: str, **kwargs) -> list[dict[str, object]]:
    """Run a SELECT with project prefixes over the union graph; rows of python values."""
    kwargs.setdefault("use_default_graph_as_union", True)
    result = store.query(query, prefixes=PREFIXES, **kwargs)
    variables = [v.value for v in result.variables]
    return [{name: to_python(row[name]) for name in variables} for row in result]


def to_python(node) -> object:
    """A pyoxigraph term as a plain value: IRI string, literal value, or None."""
    if node is None:
        return None
    if isinstance(node, ox.Literal):
        dt = node.datatype.value
        if dt.endswith(("#integer", "#nonNegativeInteger", "#int", "#long")):
            return int(node.value)
        return node.value
    return node.value


BUILD_INFO = "zhili-build.json"


def dataset_checksum(quads) -> str:
    """SHA-256 over the sorted N-Quads lines: equal for equal datasets whatever the order."""
    lines = sorted(str(q) + " .\n" for q in quads)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
    return digest.hexdigest()


def write_build_info(location: Path, info: dict) -> None:
    """Mark an on-disk store as validated by `kg build` (the service refuses stores without it)."""
    (Path(location) / BUILD_INFO).write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")


def read_build_info(location: Path) -> dict | None:
    path = Path(location) / BUILD_INFO
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
