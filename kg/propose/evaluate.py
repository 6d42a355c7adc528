"""Leave-one-locality-out evaluation of `kg propose` against the hand-curated files.

For each locality: build the lexicon without its curated file (and without the scheme labels
only its article prints), propose on its article range, compare with what the curator wrote.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from ..seeds import load_seeds
from .knowledge import Curated, all_curated, known_titles
from .proposal import Proposal, Proposer
from .text import segmenter


@dataclass
class Tally:
    truth: int = 0
    found: int = 0
    proposed: int = 0
    correct: int = 0   # proposed items that match the truth

    def add(self, other: "Tally") -> None:
        self.truth += other.truth
        self.found += other.found
        self.proposed += other.proposed
        self.correct += other.correct

    @property
    def recall(self) -> float:
        return self.found / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.proposed if self.proposed else 1.0


def _overlaps(item, spans, seed: str) -> bool:
    return any(s == seed and item.start < e and b < item.end for s, b, e in spans)


def score(proposal: Proposal, cur: Curated) -> dict[str, Tally]:
    """Per measure: how many curated facts were found and how many proposals were right."""
    seed = proposal.seed.path.stem
    kinds: dict[str, list] = {}
    for item in proposal.items:
        kinds.setdefault(item.kind, []).append(item)
    ads = kinds.get("adoption", [])
    out: dict[str, Tally] = {}

    def ranked(item, k):
        return [c["concept"] for c in item.choices if c["reason"] != "label in local name"][:k]

    for name, k in (("adoption spans", 0), ("adoption top-1", 1), ("adoption top-3", 3)):
        t = Tally(truth=len(cur.adoptions), proposed=len(ads))
        for ad in cur.adoptions:
            mech = ad["mechanism"].rsplit("/", 1)[-1]
            hits = [i for i in ads if _overlaps(i, ad["spans"], seed)]
            t.found += any(k == 0 or mech in ranked(i, k) for i in hits)
        for item in ads:
            t.correct += any(_overlaps(item, ad["spans"], seed) and (k == 0 or ad["mechanism"].rsplit("/", 1)[-1] in ranked(item, k))
                             for ad in cur.adoptions)
        out[name] = t
    figs = kinds.get("figure", [])
    truth = Counter(f["key"] for f in cur.figures)
    got = Counter(tuple(i.key) for i in figs)
    both = sum((truth & got).values())
    out["figures"] = Tally(len(cur.figures), both, len(figs), both)
    titles = {i.text for i in kinds.get("document", [])}
    shared = set(known_titles())  # documents.ttl: cited by several localities, curated once there
    out["documents"] = Tally(len(cur.documents), sum(t in titles for t in cur.documents), len(titles),
                             sum(t in set(cur.documents) | shared for t in titles))
    chains = kinds.get("chain", [])
    # a chain is evidenced by its own quotes and its tiers' (a chain described level by level)
    evidence = [c["spans"] + c["tier_spans"] for c in cur.chains]
    out["tier chains"] = Tally(len(cur.chains), sum(any(_overlaps(i, ev, seed) for i in chains) for ev in evidence),
                               len(chains), sum(any(_overlaps(i, ev, seed) for ev in evidence) for i in chains))
    places = {i.text for i in kinds.get("subplace", [])}
    out["sub-places"] = Tally(len(cur.subplaces), sum(p in places for p in cur.subplaces), len(places),
                              sum(p in set(cur.subplaces) for p in places))
    notes = [n for n in cur.notes if any(s == seed and proposal.start <= b < proposal.end for s, b, _ in n["spans"])]
    lays = [i for i in kinds.get("layout", []) if i.default]  # mid-sentence breaks are hints, not kept
    hints = kinds.get("layout", [])
    out["layout notes"] = Tally(len(notes), sum(any(_overlaps(i, n["spans"], seed) for i in hints) for n in notes),
                                len(lays), sum(any(_overlaps(i, n["spans"], seed) for n in notes) for i in lays))
    return out


def evaluate(localities: list[str] | None = None) -> dict:
    """{localities: {id: {measures: {name: Tally}, seconds, chars}}, overall: {...}, cold_start: s,
    proposals: {id: Proposal}}."""
    started = time.perf_counter()
    segmenter()  # jieba's dictionary and cpca's gazetteer: once per process, not per article
    from .structure import admin_code
    admin_code("城关区")
    cold = time.perf_counter() - started
    curated = all_curated()
    seeds = {s.path.stem: s for s in load_seeds()}
    results, overall, proposals = {}, {}, {}
    for loc in localities or list(curated):
        cur = curated[loc]
        proposer = Proposer(exclude=loc)
        proposal = proposer.propose(seeds[cur.seed], cur.start, cur.end, loc)
        proposals[loc] = proposal
        measures = score(proposal, cur)
        results[loc] = {"measures": measures, "seconds": proposal.seconds, "chars": cur.end - cur.start}
        for name, tally in measures.items():
            overall.setdefault(name, Tally()).add(tally)
    seconds = sum(r["seconds"] for r in results.values())
    chars = sum(r["chars"] for r in results.values())
    return {"localities": results, "overall": {"measures": overall, "seconds": seconds, "chars": chars},
            "cold_start": cold, "proposals": proposals}


MEASURES = ("adoption spans", "adoption top-1", "adoption top-3", "figures", "documents", "tier chains",
            "sub-places", "layout notes")


def table(result: dict) -> str:
    """The evaluation as a Markdown table: recall / precision per measure, time per article."""
    head = "| locality | chars | " + " | ".join(MEASURES) + " | s / article | s / 1,000 chars |"
    rule = "|" + "---|" * (len(MEASURES) + 4)
    rows = [head, rule]
    entries = list(result["localities"].items()) + [("**overall**", result["overall"])]
    for loc, r in entries:
        cells = []
        for m in MEASURES:
            t = r["measures"][m]
            recall = f"{t.recall:.0%}" if t.truth else "–"
            precision = f"{t.precision:.0%}" if t.proposed else "–"
            cells.append(f"{recall} / {precision} ({t.found}/{t.truth})")
        per_k = r["seconds"] / r["chars"] * 1000 if r["chars"] else 0
        rows.append(f"| {loc} | {r['chars']:,} | " + " | ".join(cells) + f" | {r['seconds']:.2f} | {per_k:.3f} |")
    rows.append("")
    rows.append("Cells: recall / precision (curated facts found / curated facts; – where there is nothing to count). "
                "Layout: recall over every hint, precision over the notes kept by default (mid-sentence line "
                "breaks are shown as hints but not kept). Times are wall-clock on a shared 2-core machine; loading jieba's dictionary and cpca's gazetteer, "
                f"once per process, took {result['cold_start']:.1f} s and is not in them; the overall row's time is the seven "
                "articles together.")
    return "\n".join(rows)
