"""`kg validate`: SHACL shapes, SPARQL QC checks, provenance and canonical form.

Every finding names the offending node and the rule, so a curator can fix it
without reading this code.
"""

from __future__ import annotations

import re
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
from .seeds import load_seeds, occurrences
from .store import build_store, select


@dataclass(frozen=True, order=True)
class Violation:
    check: str  # shacl | qc | provenance (against the seed texts) | format | syntax
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


# The checks written in Python (they read the seed texts). Each has a failing fixture in
# tests/fixtures/provenance/<rule>.ttl, except the two about the seed files themselves
# (seed-hash, seed-unlisted), which tests/test_validation.py provokes on a copy of seeds/.
PROVENANCE_RULES = ("seed-missing", "seed-hash", "seed-unlisted", "unknown-source", "quote-mismatch", "not-verbatim",
                    "qualifier", "printed-value-not-quoted", "article-range", "article-headline", "article-overlap")

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


# ---------------------------------------------------------------- qualifiers

FIGURE_EVIDENCE_QUERY = """
SELECT ?node ?printed ?qualifier ?seed ?exact ?start WHERE {
  ?node a zl:Figure ; zl:printedValue ?printed .
  OPTIONAL { ?node zl:qualifier ?qualifier }
  OPTIONAL {
    ?ann oa:hasBody ?node ; oa:hasTarget ?target .
    ?target oa:hasSource ?seed ; oa:hasSelector ?q , ?p .
    ?q a oa:TextQuoteSelector ; oa:exact ?exact .
    ?p a oa:TextPositionSelector ; oa:start ?start .
  }
}"""

ZL_NS = "https://w3id.org/zhili/ontology#"
CONTEXT = 4  # seed characters read on either side of the printed value

# A number as printed: Arabic digits (with a decimal point) or Chinese numerals, with the
# multipliers that belong to it (1.4万, 三千, 十五).
NUMBER = re.compile(r"(?:[0-9０-９]+(?:[.．][0-9０-９]+)?|[零〇一二两三四五六七八九十])"
                    r"(?:[0-9０-９.．零〇一二两三四五六七八九十百千万亿])*")
# Anything that ends a phrase: a qualifier never reaches across it.
BREAK = re.compile(r"[\s\u3000，,。.；;：:、！!？?“”\"‘’'（）()《》【】—\-]")

# Words after the number (and its unit): the qualifier must start inside the printed value or
# within SUFFIX_SLACK characters after it, with no punctuation in between.
SUFFIX_SLACK = 2
SUFFIX_WORDS = {
    "以上": "AtLeast",
    "以下": "AtMost", "以内": "AtMost", "之内": "AtMost",
    "左右": "Approximately",
}
# 余 / 多 count only directly after the number or its multiplier (1.4万余名, 300多户, 20多万元):
# in 3个多网合一 or 5个多功能室 the 多 belongs to the next word.
DIRECT_SUFFIX = {"余": "MoreThan", "多": "MoreThan"}
# Words before the number. Two-character and longer ones may stand a verb away from it
# (至少召开1次); single characters must touch it (约3000人, 近50个), allowing only 有/达 between.
PREFIX_WORDS = {
    "不少于": "AtLeast", "不低于": "AtLeast", "至少": "AtLeast",
    "超过": "MoreThan", "多于": "MoreThan",
    "不超过": "AtMost", "不多于": "AtMost", "不高于": "AtMost", "最多": "AtMost",
    "大约": "Approximately", "将近": "Approximately", "接近": "Approximately",
}
PREFIX_WORD = re.compile("|".join(sorted(PREFIX_WORDS, key=len, reverse=True)))
PREFIX_CHARS = re.compile(r"(?:(?<![最附靠])近|约|逾|超)[有达]?$")
PREFIX_CHAR_QUALIFIER = {"近": "Approximately", "约": "Approximately", "逾": "MoreThan", "超": "MoreThan"}


def expected_qualifiers(before: str, printed: str, after: str) -> set[str]:
    """The qualifiers the words around the number allow (local names of zl:ValueQualifier):
    {"Exactly"} when none is printed. before/after are the seed characters around the printed
    value; the number itself is looked for inside the printed value."""
    numbers = list(NUMBER.finditer(printed))
    if not numbers:
        return set()  # nothing to read (the printed value has no number): not checked
    window = before + printed + after
    first = len(before) + numbers[0].start()
    last = len(before) + numbers[-1].end()
    found = set()
    # before the number: up to the last break
    head = window[:first]
    head = head[max((m.end() for m in BREAK.finditer(head)), default=0):]
    for match in PREFIX_WORD.finditer(head):  # longest first: 不超过 is not 超过
        found.add(PREFIX_WORDS[match.group(0)])
    match = PREFIX_CHARS.search(head)
    if match and not any(head.endswith(w) or head[:-1].endswith(w) for w in PREFIX_WORDS):
        found.add(PREFIX_CHAR_QUALIFIER[match.group(0)[0]])
    # after the number: directly attached 余/多, then words within the unit's reach
    tail = window[last:]
    if tail[:1] in DIRECT_SUFFIX:
        found.add(DIRECT_SUFFIX[tail[:1]])
    reach = len(before) + len(printed) - last + SUFFIX_SLACK  # the rest of the printed value + slack
    for word, qualifier in SUFFIX_WORDS.items():
        at = tail.find(word)
        if 0 <= at <= reach and not BREAK.search(tail[:at]):
            found.add(qualifier)
    if not found:
        found.add("Exactly")
    if "分之" in printed:
        found.add("Approximately")  # 三分之一 stored as 33.33: the decimal is a rounding
    return found


def check_qualifiers(store: ox.Store, seeds_dir: Path = SEEDS) -> list[Violation]:
    """Each figure's zl:qualifier agrees with the words printed next to its number, read from
    the seed around the printed value inside the figure's evidence quotes (CURATING.md,
    "Figures": 以上/不少于/不低于/至少 AtLeast, 余/多/超过 MoreThan, 约/左右/近/大约
    Approximately, 不超过/以内/以下 AtMost, none Exactly)."""
    texts = {s.iri: s.text for s in load_seeds(seeds_dir)}
    figures: dict[str, dict] = {}
    for row in select(store, FIGURE_EVIDENCE_QUERY):
        fig = figures.setdefault(row["node"], {"printed": row["printed"], "qualifiers": set(), "contexts": []})
        if row["qualifier"]:
            fig["qualifiers"].add(str(row["qualifier"]))
        exact, printed = row["exact"], row["printed"]
        if not exact or row["start"] is None:
            continue
        text = texts.get(row["seed"])
        start = int(row["start"])
        for offset in occurrences(exact, printed):
            at = start + offset
            if text is not None and text[at:at + len(printed)] == printed:
                fig["contexts"].append((text[max(0, at - CONTEXT):at], text[at + len(printed):at + len(printed) + CONTEXT]))
            else:  # the quote does not match its seed (reported by quote-mismatch): read the quote
                fig["contexts"].append((exact[max(0, offset - CONTEXT):offset],
                                        exact[offset + len(printed):offset + len(printed) + CONTEXT]))
    found = []
    for node, fig in sorted(figures.items()):
        printed = fig["printed"]
        if not fig["contexts"]:
            found.append(Violation("provenance", "printed-value-not-quoted", node,
                                   f"no evidence quote of this figure contains its zl:printedValue {printed!r}"))
            continue
        stored = {q.removeprefix(ZL_NS) for q in fig["qualifiers"]}
        readings = [expected_qualifiers(before, printed, after) for before, after in fig["contexts"]]
        readings = [r for r in readings if r]
        if not readings or not stored:
            continue  # no number to read / no qualifier (FigureShape reports the latter)
        if not any(stored & r for r in readings):
            before, after = fig["contexts"][0]
            expected = " or ".join(sorted(readings[0]))
            found.append(Violation(
                "provenance", "qualifier", node,
                f"printed {before}[{printed}]{after}: qualifier should be zl:{expected}, not "
                + ", ".join(f"zl:{q}" for q in sorted(stored)),
            ))
    return found


# ---------------------------------------------------------------- articles

ARTICLE_QUERY = """
SELECT ?node ?seed ?start ?end ?headline WHERE {
  ?node a zl:Article .
  OPTIONAL { ?node zl:inSource ?seed }
  OPTIONAL { ?node zl:startOffset ?start }
  OPTIONAL { ?node zl:endOffset ?end }
  OPTIONAL { ?node zl:headline ?headline }
}"""

WHITESPACE = re.compile(r"[\s\u3000]+")


def check_articles(store: ox.Store, seeds_dir: Path = SEEDS) -> list[Violation]:
    """An article's code-point range lies inside its seed, its headline is printed inside that
    range (compared without white space: a headline may be set over several lines), and the
    articles of one seed do not overlap."""
    seeds = {s.iri: s for s in load_seeds(seeds_dir)}
    articles: dict[str, dict] = {}
    for row in select(store, ARTICLE_QUERY):
        art = articles.setdefault(row["node"], {"seed": row["seed"], "start": row["start"], "end": row["end"], "headlines": set()})
        if row["headline"]:
            art["headlines"].add(row["headline"])
    found = []
    placed: dict[str, list[tuple[int, int, str]]] = {}
    for node, art in sorted(articles.items()):
        seed = seeds.get(art["seed"]) if art["seed"] else None
        if seed is None or art["start"] is None or art["end"] is None:
            continue  # missing or unknown source / offsets: ArticleShape and unknown-source report it
        start, end = int(art["start"]), int(art["end"])
        if not 0 <= start < end <= len(seed.text):
            found.append(Violation("provenance", "article-range", node,
                                   f"range [{start}, {end}) is not inside {seed.identifier} (0..{len(seed.text)})"))
            continue
        body = WHITESPACE.sub("", seed.text[start:end])
        for headline in sorted(art["headlines"]):
            if WHITESPACE.sub("", headline) not in body:
                found.append(Violation("provenance", "article-headline", node,
                                       f"headline {headline!r} is not printed in {seed.identifier}[{start}:{end}]"))
        placed.setdefault(seed.iri, []).append((start, end, node))
    for seed_iri, ranges in placed.items():
        ranges.sort()
        for i, (s1, e1, a1) in enumerate(ranges):
            for s2, e2, a2 in ranges[i + 1:]:
                if s2 >= e1:
                    break  # sorted by start: no later article reaches back into this one
                for node, other, (s, e) in ((a1, a2, (s2, e2)), (a2, a1, (s1, e1))):
                    found.append(Violation("provenance", "article-overlap", node,
                                           f"overlaps {other} [{s}, {e}) in {seeds[seed_iri].identifier}"))
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
    """Every check over the dataset (plus extra files, e.g. a failing fixture): format, SHACL, QC queries,
    provenance, verbatim names, qualifiers and articles."""
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
    violations += check_qualifiers(store)
    violations += check_articles(store)
    return Report(sorted(set(violations)), time.perf_counter() - started, len(graph), store)
