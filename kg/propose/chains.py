"""Tier chains: printed ladders (A—B—C), ordinal levels (一级…、二级…), enumerations of
administrative levels (区、街道、社区三级…) and levels described one after another
(在区级层面…，在街道层面…，在社区层面…).

Read on the running text (`layout.flow`): a chain broken by a line break or by a photo caption
printed inside it is found whole, with one source span per printed piece.
"""

from __future__ import annotations

import re

from .layout import Flow, flow
from .text import Found

# A printed ladder: at least three parts joined by dashes (A—B—C), parts without digits.
PART = r"[^—－\-\n，,。；;：:“”《》0-9]{1,20}"
LADDER = re.compile(rf"{PART}(?:[—－]{{1,2}}{PART}){{2,}}")
# Ordinal levels: 一级网格53个、二级网格427个、三级网格1768个
ORDINAL = re.compile(r"[一二三四五]级[^、，。；\n]{1,12}(?:、[一二三四五]级[^、，。；\n]{1,12}){1,}")
LEVEL_WORDS = ("省", "市", "区", "县", "镇", "乡", "街道", "社区", "村", "网格", "小区", "楼栋", "楼院", "单元", "党员")
# An enumeration of levels: 市、区、街道、社区 / 区、街道、社区三级…
ENUMERATION = re.compile(r"(?:[^、，,。；：“”]{1,16}、){2,}[^、，,。；：“”]{1,20}")
LEADS = LEVEL_WORDS + ("市委", "区委", "县委", "组织部", "\n")
# what follows a list of things that are not levels: …等6个专项工作组 / …的六步流程 (levels are 级)
COUNTED_ITEMS = re.compile(r"[0-9一二三四五六七八九十两]+(?:个|步|项|类|种|条|方面)")
# one level per clause: 在区级层面抓科学谋划 … 在街道层面抓扩权赋能 … 在社区层面抓减负增效
LEVEL = "省|市|区|县|镇|乡|街道|社区|村|网格|小区|楼栋"
LEVEL_CLAUSE = re.compile(rf"(?:{LEVEL})(?:一?级)?(?:层面|层级)")
CLAUSE_END = re.compile(r"[，,。；;！？\n]")
LEVEL_GAP = 600  # characters between two level clauses of one chain


def _levels(parts: list[str]) -> int:
    return sum(1 for p in parts if any(w in p for w in LEVEL_WORDS))


def _found(fl: Flow, a: int, b: int, text: str, kind: str) -> Found:
    pieces = fl.pieces(a, b)
    return Found("chain", pieces[0][0], pieces[-1][1], text, kind, pieces if len(pieces) > 1 else ())


def find_chains(text: str, start: int, end: int) -> list[Found]:
    """Dash ladders, ordinal levels, enumerations of levels and levels described clause by clause."""
    fl = flow(text, start, end)
    run = fl.text
    found: list[Found] = []
    for m in LADDER.finditer(run):
        lead = len(m.group(0)) - len(m.group(0).lstrip())
        found.append(_found(fl, m.start() + lead, m.end(), m.group(0).strip(), "OrganisationalTiers"))
    for m in ORDINAL.finditer(run):
        found.append(_found(fl, m.start(), m.end(), m.group(0), "GridTiers"))
    for m in ENUMERATION.finditer(run):
        parts = m.group(0).split("、")
        leading = sum(1 for p in parts[1:] if p.lstrip("\n").startswith(LEADS))
        if _levels(parts) >= 3 and all(len(p) <= 20 for p in parts) and leading >= max(2, len(parts) - 2) \
                and not COUNTED_ITEMS.search(parts[-1]):
            f = _found(fl, m.start(), m.end(), m.group(0), "ResponsibilityChain")
            if not any(g.start <= f.start < g.end for g in found):
                found.append(f)
    found += _level_clauses(fl, found)
    return sorted(found, key=lambda f: f.start)


def _level_clauses(fl: Flow, found: list[Found]) -> list[Found]:
    """Three or more clauses, each about another level, close together: one chain whose tiers
    are the levels in printed order and whose pieces are the clauses."""
    run = fl.text
    groups: list[list[re.Match]] = []
    for m in LEVEL_CLAUSE.finditer(run):
        group = groups[-1] if groups else None
        if group and m.start() - group[-1].end() <= LEVEL_GAP and m.group(0) not in {g.group(0) for g in group} \
                and CLAUSE_END.search(run, group[-1].end(), m.start()):
            group.append(m)
        else:
            groups.append([m])
    chains = []
    for group in groups:
        if len(group) < 3:
            continue
        pieces: list[tuple[int, int]] = []
        tiers: list[tuple[int, int]] = []
        for m in group:
            stop = CLAUSE_END.search(run, m.end())
            clause = fl.pieces(m.start() - (m.start() > 0 and run[m.start() - 1] == "在"), stop.start() if stop else len(run))
            pieces += clause
            tiers.append(clause[0])
        if any(f.start <= pieces[0][0] < f.end for f in found):
            continue
        chains.append(Found("chain", pieces[0][0], pieces[-1][1], "、".join(m.group(0) for m in group),
                            "ResponsibilityChain", tuple(pieces), tuple(tiers)))
    return chains
