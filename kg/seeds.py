"""The seed texts: read once, looked up by file name or IRI, hashed for the manifest check."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .namespaces import SEED
from .paths import SEEDS


@dataclass(frozen=True)
class Seed:
    """One source file: its id is the file name without `.txt`; offsets are in code points."""

    identifier: str
    path: Path
    text: str

    @property
    def iri(self) -> str:
        return str(SEED[self.path.stem])

    @property
    def number(self) -> str:
        return self.path.stem.split("_", 1)[0]

    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


@lru_cache(maxsize=4)
def load_seeds(directory: Path = SEEDS) -> tuple[Seed, ...]:
    """All seed files in file-name order."""
    return tuple(
        Seed(p.name, p, p.read_bytes().decode("utf-8"))
        for p in sorted(Path(directory).glob("*.txt"))
    )


def occurrences(text: str, needle: str) -> list[int]:
    """Start offsets (code points) of every occurrence of needle, overlapping ones included."""
    found, start = [], text.find(needle)
    while start != -1:
        found.append(start)
        start = text.find(needle, start + 1)
    return found
