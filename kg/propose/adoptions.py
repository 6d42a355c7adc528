"""Adoption candidates: spans that name a mechanism, each with up to three ranked concepts.

Spans come from four sources (known labels and local names, “quoted terms”, numbered
formulas such as 一长七员, and sentences worded like a concept's definition); concepts are
ranked by the reason that found the span and by plain lexical similarity (TF-IDF over jieba
words and character bigrams) between the span, its sentence and each concept's text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from .knowledge import Term, concepts
from .text import Sentence, sentence_at, sentences, tokens

QUOTED = re.compile(r"“([^“”\n]{1,40})”")
NUMERAL = "一二三四五六七八九十两"
FORMULA = re.compile(rf"(?:[{NUMERAL}][^\s，,。、；;：:“”（）()《》{NUMERAL}0-9]{{1,3}}){{2,6}}")
# words that continue a quoted name: “一长七员”街巷长制, “一委一站一居”工作模式, “N+1”品牌帮建
NAME_TAIL = re.compile(r"[\u4e00-\u9fff]{0,4}?(?:工作法|工作模式|模式|机制|制度|体系|平台|工程|行动|品牌|帮建|服务站|中心|驿站|制)")
REASON_SCORE = {"exact label": 1.0, "known local name": 0.85, "formula pattern": 0.0, "quoted term": 0.0,
                "definition similarity": 0.0}
NEW_CONCEPT_BELOW = 0.12   # best similarity under this: "new concept?"
SENTENCE_MIN = 0.25        # a sentence without another candidate needs this similarity to be proposed


@dataclass
class Ranked:
    concept: str
    score: float
    reason: str


@dataclass
class AdoptionCandidate:
    start: int
    end: int
    text: str
    source: str                        # the reason that found the span
    ranked: list[Ranked] = field(default_factory=list)

    @property
    def top(self) -> str | None:
        return self.ranked[0].concept if self.ranked else None


def _features(text: str) -> Counter:
    words = tokens(text)
    feats = Counter(words)
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    feats.update("·" + a + b for a, b in zip(chars, chars[1:]))
    return feats


class Ranker:
    """TF-IDF vectors of every concept (labels, definition, known local names)."""

    def __init__(self, lexicon: list[Term]):
        texts: dict[str, list[str]] = {}
        for c in concepts():
            texts[c.iri] = [c.label_zh, *c.alt_zh, c.label_zh, c.definition_zh]
        for term in lexicon:
            if term.reason == "known local name" and term.concept in texts:
                texts[term.concept].append(term.text)
        raw = {iri: _features(" ".join(parts)) for iri, parts in texts.items()}
        df = Counter(f for feats in raw.values() for f in feats)
        n = len(raw)
        self.idf = {f: math.log((n + 1) / (d + 0.5)) for f, d in df.items()}
        self.vectors = {iri: self._weigh(feats) for iri, feats in raw.items()}
        self.index: dict[str, list[tuple[str, float]]] = {}
        for iri, vec in self.vectors.items():
            for f, w in vec.items():
                self.index.setdefault(f, []).append((iri, w))

    def _weigh(self, feats: Counter) -> dict[str, float]:
        vec = {f: (1 + math.log(c)) * self.idf.get(f, 0.0) for f, c in feats.items() if f in self.idf}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {f: v / norm for f, v in vec.items()}

    def similarity(self, span: str, context: str) -> list[tuple[str, float]]:
        feats = _features(span)
        for f, c in _features(context).items():
            feats[f] += c * 0.5 if len(span) > 1 else c
        query = self._weigh(feats)
        scores: dict[str, float] = dict.fromkeys(self.vectors, 0.0)
        for f, w in query.items():
            for iri, cw in self.index.get(f, ()):
                scores[iri] += w * cw
        return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


def _hits(text: str, start: int, end: int, lexicon: list[Term]) -> list[tuple[int, int, Term]]:
    region = text[start:end]
    found = []
    for term in lexicon:
        at = region.find(term.text)
        while at != -1:
            found.append((start + at, start + at + len(term.text), term))
            at = region.find(term.text, at + 1)
    return found


def _quoted(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """“term” with the word that follows it when it continues the name (“一长七员”街巷长制)."""
    spans = []
    for m in QUOTED.finditer(text, start, end):
        stop = m.end()
        tail = NAME_TAIL.match(text, stop)
        if tail:
            stop = tail.end()
        spans.append((m.start(), stop))
    return spans


def find_adoptions(text: str, start: int, end: int, lexicon: list[Term], ranker: Ranker) -> list[AdoptionCandidate]:
    """Every candidate span in text[start:end], merged where one contains another, ranked."""
    sents = sentences(text, start, end)
    raw: list[tuple[int, int, str, dict[str, tuple[float, str]]]] = []
    for s, e, term in _hits(text, start, end, lexicon):
        raw.append((s, e, term.reason, {term.concept: (REASON_SCORE[term.reason], term.reason)}))
    for s, e in _quoted(text, start, end):
        raw.append((s, e, "quoted term", {}))
    for m in FORMULA.finditer(text, start, end):
        if len(m.group(0)) >= 4:
            raw.append((m.start(), m.end(), "formula pattern", {}))
    # longest first; a span inside a kept span gives its concepts to it
    raw.sort(key=lambda r: (-(r[1] - r[0]), r[0]))
    kept: list[tuple[int, int, str, dict]] = []
    for s, e, reason, concepts_ in raw:
        host = next((k for k in kept if k[0] <= s and e <= k[1]), None)
        if host:
            for iri, (score, why) in concepts_.items():
                if iri not in host[3] or host[3][iri][0] < score * 0.95:
                    host[3][iri] = (score * 0.95, why)
            continue
        kept.append((s, e, reason, dict(concepts_)))
    candidates = [_rank(text, s, e, reason, cs, sents, ranker) for s, e, reason, cs in kept]
    for sent in sents:
        for cs, ce in _clauses(sent):
            if ce - cs < 6 or any(k[0] < ce and cs < k[1] for k in kept):
                continue
            best = ranker.similarity(text[cs:ce], sent.text)[:3]
            if best and best[0][1] >= SENTENCE_MIN:
                candidates.append(AdoptionCandidate(cs, ce, text[cs:ce], "definition similarity",
                                                    [Ranked(i, round(sc, 3), "definition similarity") for i, sc in best]))
    return sorted(candidates, key=lambda c: (c.start, c.end))


CLAUSE = re.compile(r"[，,；;：:]")


def _clauses(sent: Sentence) -> list[tuple[int, int]]:
    """Clauses of a sentence (split at ，；：), as offsets into the source."""
    spans, at = [], 0
    for m in CLAUSE.finditer(sent.text):
        spans.append((sent.start + at, sent.start + m.start()))
        at = m.end()
    spans.append((sent.start + at, sent.end))
    return [(s, e) for s, e in spans if e > s]


def _rank(text: str, s: int, e: int, reason: str, known: dict[str, tuple[float, str]],
          sents: list[Sentence], ranker: Ranker) -> AdoptionCandidate:
    sent = sentence_at(sents, s)
    sims = ranker.similarity(text[s:e], sent.text if sent else "")
    combined: dict[str, tuple[float, str]] = {}
    for iri, (score, why) in known.items():
        combined[iri] = (score, why)
    for iri, sim in sims[:10]:
        if iri in combined:
            combined[iri] = (combined[iri][0] + 0.1 * sim, combined[iri][1])
        else:
            combined[iri] = (sim * 0.8, "definition similarity")
    ranked = sorted(combined.items(), key=lambda x: -x[1][0])[:3]
    if not known and (not ranked or ranked[0][1][0] < NEW_CONCEPT_BELOW):
        return AdoptionCandidate(s, e, text[s:e], reason, [])
    return AdoptionCandidate(s, e, text[s:e], reason, [Ranked(i, round(sc, 3), why) for i, (sc, why) in ranked])
