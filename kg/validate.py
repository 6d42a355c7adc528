"""`kg validate`: SHACL shapes, SPARQL QC checks, provenance and canonical form.

Every finding names the offending node and the rule, so a curator can fix it
without reading this code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import Graph
from rdflib.namespace import RDF

from .dataset import curated_files, dataset_files, load_rdflib
from .fmt import canonical_text
from .namespaces import SH
from .paths import DATA, QC_DIR, SEEDS, SHAPES_FILE
from .seeds import load_seeds
from .store import build_store, select


@dataclass(frozen=True, order=True)
class Violation:
    check: str  # shacl | qc | provenance | format | syntax
    rule: str
    node: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}:{self.rule}] {self.node}: {self.message}"


def check_shacl(graph: Graph, shapes_file: Path = SHAPES_FILE) -> list[Violation]:
    """Run every SHACL shape over the union graph."""
    shapes = Graph().parse(shapes_file, format="turtle")
    conforms, report, _ = shacl_validate(graph, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=False)
    if conforms:
        return []
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        shape = report.value(result, SH.sourceShape)
        # property shapes are blank nodes: report the node shape that owns them
        rule = _shape_name(shapes, shape)
        message = str(report.value(result, SH.resultMessage) or "")
        found.append(Violation("shacl", rule, str(report.value(result, SH.focusNode)), message))
    return sorted(set(found))


def _shape_name(shapes: Graph, shape) -> str:
    """The local name of the node shape a (possibly nested) property shape belongs to."""
    seen = set()
    while shape is not None and shape not in seen and not str(shape).startswith("https://"):
        seen.add(shape)
        parent = shapes.value(predicate=SH.property, object=shape)
        if parent is None:
            # shapes inside an sh:xone list: climb the RDF list to its owner
            node = shape
            for _ in range(50):
                holder = shapes.value(predicate=RDF.first, object=node) or shapes.value(predicate=RDF.rest, object=node)
                if holder is None:
                    break
                node = holder
            parent = shapes.value(predicate=SH.xone, object=node)
        shape = parent
    return str(shape).rsplit("#", 1)[-1] if shape is not None else "unknown"


def qc_queries(qc_dir: Path = QC_DIR) -> list[Path]:
    return sorted(Path(qc_dir).glob("*-violation.rq"))


def check_qc(store: ox.Store, qc_dir: Path = QC_DIR) -> list[Violation]:
    """Run each *-violation.rq; every row is a failure naming ?node."""
    found = []
    for path in qc_queries(qc_dir):
        rule = path.name.removesuffix("-violation.rq")
        for row in select(store, path.read_text(encoding="utf-8")):
            found.append(Violation("qc", rule, str(row.get("node")), str(row.get("message") or rule)))
    return sorted(set(found))


PROVENANCE_QUERY = """
SELECT ?node ?target ?seed ?exact ?start ?end WHERE {
  ?node oa:hasTarget ?target .
  ?target oa:hasSource ?seed ; oa:hasSelector ?q , ?p .
  ?q a oa:TextQuoteSelector ; oa:exact ?exact .
  ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
}"""

MANIFEST_QUERY = """
SELECT ?node ?id ?sha WHERE { ?node a zl:SourceDocument ; dcterms:identifier ?id ; zl:sha256 ?sha . }
"""


def check_provenance(store: ox.Store, seeds_dir: Path = SEEDS) -> list[Violation]:
    """Every oa:exact equals the seed text at its offsets; every seed's hash matches the manifest."""
    seeds = {s.iri: s for s in load_seeds(seeds_dir)}
    by_name = {s.identifier: s for s in seeds.values()}
    found = []
    listed = set()
    for row in select(store, MANIFEST_QUERY):
        listed.add(row["id"])
        seed = by_name.get(row["id"])
        if seed is None:
            found.append(Violation("provenance", "seed-missing", row["node"], f"manifest lists {row['id']} but seeds/ has no such file"))
        elif seed.sha256() != row["sha"]:
            found.append(Violation("provenance", "seed-hash", row["node"], f"SHA-256 of {row['id']} is {seed.sha256()}, manifest says {row['sha']}"))
    for name in sorted(set(by_name) - listed):
        found.append(Violation("provenance", "seed-unlisted", by_name[name].iri, f"{name} is in seeds/ but not in the manifest"))
    for row in select(store, PROVENANCE_QUERY):
        seed = seeds.get(row["seed"])
        if seed is None:
            found.append(Violation("provenance", "unknown-source", row["node"], f"oa:hasSource {row['seed']} is not a seed"))
            continue
        start, end, exact = int(row["start"]), int(row["end"]), row["exact"]
        actual = seed.text[start:end]
        if actual != exact or end > len(seed.text):
            found.append(Violation(
                "provenance", "quote-mismatch", row["node"],
                f"oa:exact {exact!r} but {seed.identifier}[{start}:{end}] is {actual!r}",
            ))
    return sorted(set(found))


VERBATIM_QUERY = """
SELECT DISTINCT ?node ?p ?text ?seed WHERE {
  VALUES ?p { zl:localName zl:relatedTerm zl:printedValue dcterms:title }
  ?node ?p ?text .
  OPTIONAL { ?node zl:locality ?loc }
  OPTIONAL { ?node zl:citedBy ?loc }
  OPTIONAL { ?chain zl:hasTier ?node ; zl:locality ?loc }
  OPTIONAL { ?seed zl:covers ?loc }
}"""


def check_verbatim(store: ox.Store, seeds_dir: Path = SEEDS) -> list[Violation]:
    """Local names, related terms, printed values and titles must be copied verbatim from a seed
    that covers the fact's locality (titles: inside 《》)."""
    texts = {s.iri: s.text for s in load_seeds(seeds_dir)}
    candidates: dict[tuple[str, str, str], list[str]] = {}
    for row in select(store, VERBATIM_QUERY):
        key = (row["node"], row["p"], row["text"])
        candidates.setdefault(key, [])
        if row["seed"]:
            candidates[key].append(texts.get(row["seed"], ""))
    found = []
    for (node, predicate, text), seed_texts in sorted(candidates.items()):
        pool = seed_texts or list(texts.values())
        needles = [f"《{text}》", f"“{text}”"] if predicate.endswith("title") else [text]
        if not any(n in t for n in needles for t in pool):
            name = predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            found.append(Violation("provenance", "not-verbatim", node, f"{name} {text!r} is not printed in the seeds of its locality"))
    return found


def check_format(files: list[Path]) -> list[Violation]:
    """Each curated file must already be in canonical form (`kg fmt` writes it)."""
    found = []
    for path in files:
        text, errors = canonical_text(path, expand=False)
        if errors:
            found += [Violation("syntax", "turtle", str(path), e) for e in errors]
        elif text != path.read_text(encoding="utf-8"):
            found.append(Violation("format", "canonical", str(path), "not in canonical form: run `kg fmt`"))
    return found


def focus_on(violations: list[Violation], files: list[Path]) -> list[Violation]:
    """Only the violations about subjects described in files (or about the files themselves)."""
    subjects: set[str] = set()
    for path in files:
        if path.exists():
            try:
                subjects |= {str(s) for s in Graph().parse(path, format="turtle").subjects()}
            except Exception:  # a syntax error is reported by the format check
                pass
    names = {str(p) for p in files} | {str(p.resolve()) for p in files}
    return [v for v in violations if v.node in subjects or v.node in names or v.check == "syntax"]


@dataclass
class Report:
    violations: list[Violation]
    seconds: float
    triples: int
    store: ox.Store | None = None  # the in-memory store that was validated (None when parsing failed)

    @property
    def ok(self) -> bool:
        return not self.violations


def validate(data_dir: Path = DATA, extra: list[Path] | None = None, check_formatting: bool = True) -> Report:
    """All four checks over the dataset (plus extra files, e.g. a failing fixture)."""
    started = time.perf_counter()
    files = dataset_files(data_dir, extra)
    violations = check_format(curated_files(data_dir)) if check_formatting else []
    if any(v.check == "syntax" for v in violations):
        return Report(violations, time.perf_counter() - started, 0)
    try:
        store = build_store(files)
        graph = load_rdflib(files)
    except (SyntaxError, ValueError) as exc:
        return Report([Violation("syntax", "turtle", "dataset", str(exc))], time.perf_counter() - started, 0)
    violations += check_shacl(graph)
    violations += check_qc(store)
    violations += check_provenance(store)
    violations += check_verbatim(store)
    return Report(sorted(set(violations)), time.perf_counter() - started, len(graph), store)
