"""Shared text helpers: the jieba segmenter (loaded once per process) and sentence spans."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

SENTENCE_END = re.compile(r"[。！？；!?;]|\n")
CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def segmenter():
    """jieba with its dictionary loaded (about a second, so once per process)."""
    import jieba

    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    jieba.posseg.lcut("街道社区")  # the part-of-speech model loads on first use: load it here, once
    return jieba


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[str, ...]:
    """Content words of text: jieba tokens with at least one Chinese character, stop words out."""
    return tuple(t for t in segmenter().lcut(text) if CJK.search(t) and t not in STOP)


STOP = frozenset("的 了 和 与 及 等 在 是 为 对 把 将 以 由 从 到 并 也 都 而 或 其 该 各 个 有 着 被 这 那 中 上 下 之 于 就 又 还 让 使 共 全 每".split())


@dataclass(frozen=True)
class Sentence:
    start: int  # offsets in the whole source text
    end: int
    text: str


def sentences(text: str, start: int, end: int) -> list[Sentence]:
    """The sentences (ended by 。！？； or a line break) inside text[start:end]."""
    found, at = [], start
    for m in SENTENCE_END.finditer(text, start, end):
        piece = text[at:m.end()].strip()
        if piece:
            s = at + (len(text[at:m.end()]) - len(text[at:m.end()].lstrip()))
            found.append(Sentence(s, s + len(piece), piece))
        at = m.end()
    if text[at:end].strip():
        s = at + (len(text[at:end]) - len(text[at:end].lstrip()))
        piece = text[at:end].strip()
        found.append(Sentence(s, s + len(piece), piece))
    return found


def sentence_at(sents: list[Sentence], offset: int) -> Sentence | None:
    return next((s for s in sents if s.start <= offset < s.end), None)


@dataclass(frozen=True)
class Found:
    """A structural candidate (document, chain, sub-place, layout hint) found in the source."""

    kind: str   # document | chain | subplace | layout
    start: int
    end: int
    text: str
    detail: str = ""  # chain kind / place kind / layout issue / adcode
    pieces: tuple[tuple[int, int], ...] = ()  # source spans when the candidate is printed in pieces
    tier_spans: tuple[tuple[int, int], ...] = ()  # a chain described level by level: each tier's clause
