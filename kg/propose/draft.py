"""The two texts a proposal becomes: the draft (every item, marked zl:Proposed, with its ranked
concepts as comments) and the final file (the items a curator kept, with the chosen concepts).

The review page (review.js, inline in the HTML) builds the final file with the same rules as
`final_text`, so "accept all as proposed" gives the same file in the browser and on the command line.
"""

from __future__ import annotations

import re

from .knowledge import concept_by_iri
from .proposal import Item, Proposal

CHOOSE = "zl:ChooseConcept"  # not a class or concept of the ontology: kg validate rejects it
TYPE_LINE = re.compile(r"^(\S+ a zl:\w+) ;", re.M)


def concept_english() -> dict[str, str]:
    """concept local name -> English pref label (the draft gloss of an accepted adoption)."""
    return {iri.rsplit("/", 1)[-1]: c.label_en for iri, c in concept_by_iri().items()}


def fill(item: Item, choice: str | None, english: dict[str, str]) -> str:
    """The Turtle block of an item with its concept chosen."""
    if item.kind != "adoption":
        return item.block
    return item.block.replace("{choice}", choice or "").replace("{gloss}", english.get(choice or "", "to be glossed"))


def draft_text(proposal: Proposal) -> str:
    """Every item, typed zl:Proposed (so `kg validate` refuses the file until it is reviewed)."""
    english = concept_english()
    out = ["# DRAFT: every proposed item is typed zl:Proposed, which `kg validate` rejects; review it in\n"
           "# the review page (or `kg propose … --accept-all`) to get the final file.\n" + proposal.header]
    for item in proposal.items:
        shown = item.text[:60].replace("\n", "⏎")
        lines = [f"# {item.id} [{item.kind}] {item.reason}: {shown}"]
        for n, c in enumerate(item.choices if item.kind == "adoption" else [], 1):
            lines.append(f"#   {n}. mech:{c['concept']} {c['score']:.3f} ({c['reason']}) {c['label']}")
        if item.kind == "adoption" and not item.preferred:
            lines.append("#   new concept? (no concept of the scheme fits: choose one, or propose a concept)")
        block = fill(item, item.preferred or None, english)
        if item.kind == "adoption" and not item.preferred:
            block = block.replace("zl:mechanism mech: ;", f"zl:mechanism {CHOOSE} ;")
        block = TYPE_LINE.sub(r"\1 , zl:Proposed ;", block)
        if not item.default:
            lines.append("#   hint only, left out unless accepted:")
            block = "".join("# " + line + "\n" for line in block.splitlines())
        out.append("\n".join(lines) + "\n" + block)
    return "\n".join(out)


def default_decisions(proposal: Proposal) -> dict[str, str | None]:
    """Accept as proposed: every default item, adoptions with their top-ranked concept;
    an adoption with no concept ("new concept?") is left out: nothing is invented."""
    decisions: dict[str, str | None] = {}
    for item in proposal.items:
        if not item.default:
            continue
        if item.kind == "adoption":
            if item.preferred:
                decisions[item.id] = item.preferred
        else:
            decisions[item.id] = ""
    return decisions


def final_text(proposal: Proposal, decisions: dict[str, str | None]) -> str:
    """The kept items (id -> chosen concept, "" for items without one); none kept: an empty file."""
    english = concept_english()
    kept = [fill(item, decisions[item.id], english) for item in proposal.items if item.id in decisions]
    if not kept:
        return ""
    seen: set[tuple[str, str]] = set()
    blocks = []
    for item in proposal.items:  # one adoption per (concept, local name): duplicate-adoption
        if item.id not in decisions:
            continue
        if item.kind == "adoption":
            key = (decisions[item.id] or "", item.text.strip("。；，,;"))
            if key in seen:
                continue
            seen.add(key)
        blocks.append(fill(item, decisions[item.id], english))
    return proposal.header + "\n" + "\n".join(blocks)
