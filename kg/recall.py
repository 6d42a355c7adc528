"""Recall backstop: every “quoted term” and 《title》 in the seeds is in the graph or excluded.

A term is represented when a label-like literal (label, pref/alt label, local
name, related term, title) equals it or quotes it (“term” or 《term》 inside).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .paths import DATA, RECALL_EXCLUSIONS
from .seeds import load_seeds
from .store import select

QUOTED = re.compile(r"“([^“”]{1,80})”")
TITLED = re.compile(r"《([^《》]{1,120})》")

_LITERALS = """
SELECT DISTINCT ?text WHERE {
  VALUES ?p { rdfs:label skos:prefLabel skos:altLabel zl:localName zl:relatedTerm dcterms:title }
  ?s ?p ?text . FILTER(isLiteral(?text))
}"""


@dataclass(frozen=True)
class Term:
    text: str
    kind: str  # "quoted" or "title"
    seed: str
    offset: int


def extract_terms() -> list[Term]:
    """Every distinct quoted term and title, with its first occurrence."""
    seen: dict[tuple[str, str], Term] = {}
    for seed in load_seeds():
        for kind, pattern in (("quoted", QUOTED), ("title", TITLED)):
            for m in pattern.finditer(seed.text):
                seen.setdefault((kind, m.group(1)), Term(m.group(1), kind, seed.identifier, m.start(1)))
    return sorted(seen.values(), key=lambda t: (t.kind, t.seed, t.offset))


def load_exclusions(path: Path = RECALL_EXCLUSIONS, data_dir: Path = DATA) -> dict[str, str]:
    """term -> reason, from the exclusions file (and proposed/*-exclusions.tsv during curation)."""
    files = [path] + sorted((Path(data_dir) / "proposed").glob("*-exclusions.tsv"))
    exclusions: dict[str, str] = {}
    for file in files:
        if not file.exists():
            continue
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            term, _, reason = line.partition("\t")
            if not reason.strip():
                raise ValueError(f"{file}:{number}: exclusion of {term!r} needs a reason after a tab")
            exclusions[term] = reason.strip()
    return exclusions


def represented(term: str, literals: set[str]) -> bool:
    return term in literals or any(f"“{term}”" in lit or f"《{term}》" in lit for lit in literals)


def recall_report(store: ox.Store) -> dict:
    """Terms missing from both graph and exclusions, and exclusions that are stale."""
    literals = {row["text"] for row in select(store, _LITERALS)}
    exclusions = load_exclusions()
    terms = extract_terms()
    missing = [t for t in terms if not represented(t.text, literals) and t.text not in exclusions]
    texts = {t.text for t in terms}
    stale = sorted(t for t in exclusions if t not in texts or represented(t, literals))
    return {
        "terms": len([t for t in terms if t.kind == "quoted"]),
        "titles": len([t for t in terms if t.kind == "title"]),
        "represented": len([t for t in terms if represented(t.text, literals)]),
        "excluded": len([t for t in terms if t.text in exclusions and not represented(t.text, literals)]),
        "missing": missing,
        "stale_exclusions": stale,
    }
