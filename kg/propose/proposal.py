"""One proposal run: every candidate of an article range as a list of reviewable items.

An item carries everything both outputs need: its span, its choices (ranked concepts or
kinds) and the Turtle block it becomes once accepted, with `{choice}` where the chosen
concept goes. The draft file, the review page and `--accept` are all written from these.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from rdflib import Graph
from rdflib.namespace import SKOS

from ..paths import DATA
from ..seeds import Seed, load_seeds, occurrences
from .adoptions import AdoptionCandidate, Ranker, find_adoptions
from .figures import FigureCandidate, find_figures
from ..namespaces import MECH
from .knowledge import Term, allowed_by_labels, concept_by_iri, iri_local, known_titles, lexicon

MECH_NS = str(MECH)
from .structure import Found, find_chains, find_documents, find_layout, find_subplaces, locality_names
from .text import sentences, sentence_at

NEW_CONCEPT = "new concept?"


@dataclass
class Item:
    id: str
    kind: str              # adoption | figure | document | chain | subplace | layout
    start: int
    end: int
    text: str
    reason: str
    choices: list[dict] = field(default_factory=list)  # [{concept, label, score, reason}] for adoptions
    default: bool = True   # kept by "accept as proposed"
    key: list = field(default_factory=list)  # figures: [value, min, max, unit, qualifier]
    preferred: str = ""    # the concept "accept as proposed" files an adoption under ("" = left out)
    block: str = ""        # Turtle with {choice} for the chosen concept (adoptions)
    pieces: list = field(default_factory=list)  # [[start, end], …] when printed in pieces (chains)


@dataclass
class Proposal:
    locality: str
    seed: Seed
    start: int
    end: int
    items: list[Item]
    header: str            # prefixes + locality/article skeleton
    seconds: float

    def to_json(self) -> dict:
        return {"locality": self.locality, "seed": self.seed.identifier, "start": self.start, "end": self.end,
                "header": self.header, "items": [asdict(i) for i in self.items], "seconds": self.seconds}


def lit(text: str) -> str:
    """A Turtle string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def unique_quote(seed: Seed, start: int, end: int, limit: tuple[int, int], seeds: tuple[Seed, ...]) -> str:
    """The shortest widening of seed.text[start:end] (inside limit, not across a line) that occurs
    exactly once in all seeds, as `kg fmt` requires; "" when none does."""
    text = seed.text
    lo, hi = max(limit[0], text.rfind("\n", 0, start) + 1), text.find("\n", end)
    hi = min(limit[1], hi if hi != -1 else len(text))
    s, e = start, end
    for _ in range(400):
        quote = text[s:e]
        if len(quote) >= 2 and sum(len(occurrences(x.text, quote)) for x in seeds) == 1:
            return quote
        if s <= lo and e >= hi:
            return ""
        if e < hi:
            e += 1
        if s > lo and (e >= hi or (e - end) > 2 * (start - s)):
            s -= 1
    return ""


@lru_cache(maxsize=1)
def _orgtypes() -> list[tuple[str, list[str]]]:
    graph = Graph().parse(DATA / "orgtypes.ttl", format="turtle")
    found = []
    for node in set(graph.subjects(SKOS.prefLabel, None)):
        labels = [str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in graph.objects(node, p)
                  if getattr(o, "language", None) == "zh"]
        found.append((str(node), labels))
    return sorted(found)


def best_orgtype(name: str) -> str:
    """The organisation type whose zh label shares most characters with a tier's printed name."""
    def score(labels: list[str]) -> float:
        best = 0.0
        for label in labels:
            if label == name:
                return 10.0
            common = len(set(label) & set(name))
            best = max(best, common / (len(set(label) | set(name)) or 1) + (1 if label in name else 0))
        return best
    return max(_orgtypes(), key=lambda o: score(o[1]))[0]


def _english(text: str) -> str:
    return re.sub(r"[^\x00-\x7f]", "", text).strip()


class Proposer:
    """Holds the lexicon and the concept ranker, built once per process (and per left-out locality)."""

    def __init__(self, exclude: str | None = None):
        self.lexicon: list[Term] = lexicon(exclude)
        self.ranker = Ranker(self.lexicon)
        self.concepts = concept_by_iri()

    def propose(self, seed: Seed, start: int, end: int, locality: str,
                seeds: tuple[Seed, ...] | None = None) -> Proposal:
        """Every candidate of seed.text[start:end]; quotes are made unique across seeds (default: seeds/)."""
        started = time.perf_counter()
        seeds = seeds if seeds is not None else load_seeds()
        text = seed.text
        sents = sentences(text, start, end)
        items: list[Item] = []
        own = locality_names(text, start, end)
        for n, c in enumerate(find_adoptions(text, start, end, self.lexicon, self.ranker), 1):
            items.append(self._adoption(n, c, seed, start, end, sents, locality, seeds))
        for n, f in enumerate(find_figures(text, start, end), 1):
            items.append(self._figure(n, f, seed, start, end, sents, locality, seeds))
        for n, d in enumerate(find_documents(text, start, end), 1):
            items.append(self._document(n, d, seed, start, end, locality, seeds))
        for n, ch in enumerate(find_chains(text, start, end), 1):
            items.append(self._chain(n, ch, seed, start, end, locality, seeds))
        for n, p in enumerate(find_subplaces(text, start, end, own), 1):
            items.append(self._subplace(n, p, seed, start, end, locality, seeds))
        for n, note in enumerate(find_layout(text, start, end), 1):
            items.append(self._layout(n, note, seed, start, end, locality, seeds))
        items = [i for i in items if i.block]
        header = self._header(seed, start, end, locality, own, seeds)
        return Proposal(locality, seed, start, end, sorted(items, key=lambda i: (i.start, i.kind)), header,
                        time.perf_counter() - started)

    # ---------------------------------------------------------------- items

    def _quote(self, seed, s, e, start, end, seeds) -> str:
        return unique_quote(seed, s, e, (start, end), seeds)

    def _adoption(self, n, c: AdoptionCandidate, seed, start, end, sents, locality, seeds) -> Item:
        choices = [{"concept": iri_local(r.concept), "label": self._label(r.concept), "score": r.score,
                    "reason": r.reason} for r in c.ranked]
        name = c.text.strip("。；，,;")
        preferred = next((ch["concept"] for ch in choices if allowed_by_labels(name, MECH_NS + ch["concept"])), "")
        if not preferred:  # the validator's label rule names the concept: offer it last
            fits = [x for x in self.concepts if allowed_by_labels(name, x) and any(
                lab in name for lab in (self.concepts[x].label_zh, *self.concepts[x].alt_zh) if len(lab) >= 2)]
            if fits:
                preferred = iri_local(fits[0])
                choices.append({"concept": preferred, "label": self._label(fits[0]), "score": 0.0,
                                "reason": "label in local name"})
        item = Item(f"ad-{n}", "adoption", c.start, c.end, c.text, c.source, choices, default=bool(preferred),
                    preferred=preferred)
        quote = self._quote(seed, c.start, c.end, start, end, seeds)
        sent = sentence_at(sents, c.start)
        if not quote or len(name) < 2:
            return item
        item.block = (
            f"ad:{locality}-p{n:03d} a zl:Adoption ;\n"
            f"    zl:details {lit((sent.text if sent else name))}@zh ;\n"
            f"    zl:gloss {lit('{gloss}')}@en ;\n"
            f"    zl:localName {lit(name)}@zh ;\n"
            f"    zl:locality loc:{locality} ;\n"
            f"    zl:mechanism mech:{{choice}} ;\n"
            f"    zl:origin zl:LocalMechanism ;\n"
            f"    zl:quote {lit(quote)} .\n")
        return item

    def _label(self, iri: str) -> str:
        c = self.concepts.get(iri)
        return f"{c.label_zh} / {c.label_en}" if c else iri_local(iri)

    def _figure(self, n, f: FigureCandidate, seed, start, end, sents, locality, seeds) -> Item:
        item = Item(f"fig-{n}", "figure", f.start, f.end, f.printed, "number with unit",
                    [{"concept": "", "label": f"{_show(f)} · {f.qualifier} · {f.counted}", "score": 1, "reason": "figure"}],
                    key=list(f.key))
        sent = sentence_at(sents, f.start)
        lo = max(start, (sent.start if sent else f.start))
        clause_start = max([lo] + [m.end() + lo for m in re.finditer(r"[，,；;：:]", seed.text[lo:f.start])])
        quote = self._quote(seed, clause_start, f.end, start, end, seeds)
        if not quote:
            return item
        unit_en = f.unit_en or f"{_english(f.counted) or 'units'} (name what is counted)"
        value = (f"    schema:value {f.value} ;\n" if f.value is not None else
                 f"    schema:minValue {f.minimum} ;\n    schema:maxValue {f.maximum} ;\n")
        printed_unit = f"    zl:printedUnit {lit(f.printed_unit)} ;\n" if f.printed_unit else ""
        item.block = (
            f"fig:{locality}-p{n:03d} a zl:Figure ;\n"
            f"    rdfs:label {lit(f.counted)}@zh , {lit(f'figure {n} (to be named)')}@en ;\n"
            + value +
            f"    schema:unitText {lit(f.unit)}@zh , {lit(unit_en)}@en ;\n"
            f"    zl:locality loc:{locality} ;\n"
            f"    zl:printedValue {lit(f.printed)} ;\n" + printed_unit +
            f"    zl:qualifier zl:{f.qualifier} ;\n"
            f"    zl:quote {lit(quote)} .\n")
        return item

    def _document(self, n, d: Found, seed, start, end, locality, seeds) -> Item:
        item = Item(f"doc-{n}", "document", d.start, d.end, d.text,
                    "《title》" if proposal_text(seed, d).startswith("《") else "“formula” + 文件 (not a 《》 title)")
        quote = self._quote(seed, d.start, d.end, start, end, seeds)
        shared = known_titles().get(d.text)
        if shared and quote:  # already in the graph (documents.ttl): cite it, do not mint a second one
            item.reason, item.default = f"《title》 already in the graph: {iri_local(shared)}", False
            item.block = f"# cited, already described as <{shared}>: add zl:citedBy loc:{locality} there\n"
        elif quote:
            item.block = (
                f"doc:{locality}-p{n:03d} a zl:PolicyDocument ;\n"
                f"    rdfs:label {lit(d.text)}@zh , {lit(f'document {n} cited by {locality} (title to be translated)')}@en ;\n"
                f"    dcterms:title {lit(d.text)}@zh ;\n"
                f"    zl:citedBy loc:{locality} ;\n"
                f"    zl:issuedBy loc:{locality} ;\n"
                f"    zl:quote {lit(quote)} .\n")
        return item

    def _chain(self, n, ch: Found, seed, start, end, locality, seeds) -> Item:
        item = Item(f"chain-{n}", "chain", ch.start, ch.end, ch.text, ch.detail,
                    pieces=[list(p) for p in ch.pieces])
        parts = [p for p in re.split(r"[—－]+|、", ch.text) if p.strip()]
        if ch.detail == "ResponsibilityChain":
            parts = _trim_enumeration(parts)
        pieces = ch.pieces or ((ch.start, ch.end),)  # a chain printed around a caption: one quote per piece
        quotes = [self._quote(seed, s, e, start, end, seeds) for s, e in pieces]
        # levels described clause by clause: each tier quotes its own clause
        own = [self._quote(seed, s, e, start, end, seeds) for s, e in ch.tier_spans]
        if not all(quotes + own) or len(parts) < 2 or (own and len(own) != len(parts)):
            return item
        chain = f"tier:{locality}-p{n:03d}"
        tiers = []
        for rank, part in enumerate(parts, 1):
            evidence = [own[rank - 1]] if own else quotes
            tiers.append(
                f"{chain}-{rank} a zl:Tier ;\n"
                f"    rdfs:label {lit(part)}@zh , {lit(f'tier {rank} (to be named)')}@en ;\n"
                f"    zl:localName {lit(_printed(part, seed))}@zh ;\n"
                f"    zl:orgType <{best_orgtype(part)}> ;\n"
                f"    zl:rank {rank} ;\n"
                f"    zl:quote {' , '.join(lit(q) for q in dict.fromkeys(evidence))} .\n")
        item.block = (
            f"{chain} a zl:TierChain ;\n"
            f"    rdfs:label {lit(ch.text)}@zh , {lit(f'tier chain {n} (to be named)')}@en ;\n"
            f"    zl:chainKind zl:{ch.detail} ;\n"
            f"    zl:hasTier " + " , ".join(f"{chain}-{r}" for r in range(1, len(parts) + 1)) + " ;\n"
            + _local_name(ch.text, seed) +
            f"    zl:locality loc:{locality} ;\n"
            f"    zl:quote {' , '.join(lit(q) for q in dict.fromkeys(quotes))} .\n\n" + "\n".join(tiers))
        return item

    def _subplace(self, n, p: Found, seed, start, end, locality, seeds) -> Item:
        kind, _, code = p.detail.partition(" ")
        item = Item(f"place-{n}", "subplace", p.start, p.end, p.text, kind + (f" (GB/T 2260 {code})" if code else ""))
        quote = self._quote(seed, p.start, p.end, start, end, seeds)
        if quote:
            item.block = (
                f"place:{locality}-p{n:03d} a zl:SubPlace ;\n"
                f"    rdfs:label {lit(p.text)}@zh , {lit(f'place {n} of {locality} (to be named)')}@en ;\n"
                f"    zl:locality loc:{locality} ;\n"
                f"    zl:partOf loc:{locality} ;\n"
                f"    zl:placeKind zl:{kind} ;\n"
                f"    zl:quote {lit(quote)} .\n")
        return item

    def _layout(self, n, note: Found, seed, start, end, locality, seeds) -> Item:
        item = Item(f"note-{n}", "layout", note.start, note.end, note.text, note.detail,
                    default=note.detail != "Fragment")  # a line that merely wraps is not recorded
        line_end = seed.text.find("\n", note.start, note.end)  # several lines: quote the first if it is unique
        quote = (self._quote(seed, note.start, min(note.end, note.start + 60, line_end), start, end, seeds)
                 if line_end > 0 else "") or self._quote(seed, note.start, min(note.end, note.start + 60), start, end, seeds)
        comment = {
            "PhotoCaption": "Photo caption or credit printed inside the running text; not curated as a fact.",
            "DuplicatedPassage": f"Passage [{note.start}, {note.end}) is printed again elsewhere in this source; curate its facts once.",
            "TruncatedArticle": "The article breaks off here and continues on a page that is not among the sources.",
            "Fragment": "The line ends mid-sentence; check whether the sentence continues on the next line or elsewhere.",
        }[note.detail]
        if quote:
            item.block = (
                f"note:{locality}-p{n:03d} a zl:LayoutNote ;\n"
                f"    rdfs:comment {lit(comment)}@en ;\n"
                f"    zl:layoutIssue zl:{note.detail} ;\n"
                f"    zl:locality loc:{locality} ;\n"
                f"    zl:quote {lit(quote)} .\n")
        return item

    # ---------------------------------------------------------------- header

    def _header(self, seed: Seed, start: int, end: int, locality: str, own: tuple[str, ...], seeds) -> str:
        from .skeleton import skeleton

        return skeleton(seed, start, end, locality, own, seeds)


LEAD_IN = re.compile(r"^.*(?:建立健全|建立|构建|形成|落实|实行|推行|在|了)")
TAIL = re.compile(r"(?:的|[一二三四五六七八九十]级).*$")


def _trim_enumeration(parts: list[str]) -> list[str]:
    """Tier names of an enumeration without the words around the list: 城关区构建了区委书记负总责
    -> 区委书记负总责, 社区三级党建工作协调委员会 -> 社区 (the chain's quote keeps them)."""
    first, last = LEAD_IN.sub("", parts[0].strip()), TAIL.sub("", parts[-1].strip())
    return [first or parts[0], *parts[1:-1], last or parts[-1]]


def _local_name(name: str, seed: Seed) -> str:
    """zl:localName only for a name printed as it is (a chain joined across a caption, or read
    level by level, is named by the curator)."""
    return f"    zl:localName {lit(name)}@zh ;\n" if name in seed.text else ""


def _printed(name: str, seed: Seed) -> str:
    """name, or its longest printed beginning or end when a caption cuts it (街|道党工委书记 ->
    道党工委书记…): a tier's zl:localName must be verbatim; its label keeps the whole name."""
    if name in seed.text:
        return name
    heads = [name[:k] for k in range(len(name) - 1, 0, -1) if name[:k] in seed.text]
    tails = [name[k:] for k in range(1, len(name)) if name[k:] in seed.text]
    return max(heads[:1] + tails[:1], key=len, default=name)


def proposal_text(seed: Seed, found: Found) -> str:
    return seed.text[found.start:found.end]


def _show(f: FigureCandidate) -> str:
    value = f"{f.value}" if f.value is not None else f"{f.minimum}–{f.maximum}"
    return f"{value} {f.unit}"
