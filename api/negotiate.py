"""HTTP content negotiation: Accept with q-values, and the `format` parameter clients send."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> int:
        """Specificity of the match (3 exact, 2 type/*, 1 */*), 0 for none."""
        t, _, s = media_type.partition("/")
        if self.type == t and self.subtype == s:
            return 3
        if self.type == t and self.subtype == "*":
            return 2
        if self.type == "*" and self.subtype == "*":
            return 1
        return 0


MAX_ACCEPT_CHARS = 4096  # of an Accept header, at most this much is read…
MAX_MEDIA_RANGES = 64    # …and at most this many media ranges: negotiation costs microseconds whatever is sent


def clip_accept(header: str | None) -> tuple[str | None, bool]:
    """The part of an Accept header negotiation looks at: its first MAX_MEDIA_RANGES media ranges within the first
    MAX_ACCEPT_CHARS characters, and whether anything was cut off (a range cut in half is dropped, not misread)."""
    if header is None:
        return None, False
    cut = len(header) > MAX_ACCEPT_CHARS
    head = header[:MAX_ACCEPT_CHARS]
    parts = head.split(",", MAX_MEDIA_RANGES)
    if len(parts) > MAX_MEDIA_RANGES:
        parts, cut = parts[:MAX_MEDIA_RANGES], True
    elif cut:
        parts = parts[:-1]
    return (",".join(parts), True) if cut else (header, False)


def parse_accept(header: str | None) -> list[MediaRange]:
    ranges = []
    header, _ = clip_accept(header)
    for order, part in enumerate((header or "").split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0] or "/" not in fields[0]:
            continue
        media_type, q = fields[0].lower(), 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        t, _, s = media_type.partition("/")
        ranges.append(MediaRange(t, s, q, order))
    return ranges


def choose(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the client prefers most, offered order breaking ties; None if none is acceptable.
    Only the first MAX_MEDIA_RANGES ranges (within MAX_ACCEPT_CHARS) count; when a longer header names nothing
    acceptable among them, the rest is disregarded and the first offered type not refused (q=0) is served.
    (Clients send the same few Accept headers again and again: answers are remembered.)"""
    accept, cut = clip_accept(accept)
    return _choose_remembered(accept, tuple(offered), cut)


@lru_cache(maxsize=1024)
def _choose_remembered(accept: str | None, offered: tuple[str, ...], cut: bool = False) -> str | None:
    return _choose(accept, offered, cut)


def _choose(accept: str | None, offered: tuple[str, ...], cut: bool = False) -> str | None:
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best, best_key, unmatched = None, None, None
    for index, media_type in enumerate(offered):
        matches = [(r.matches(media_type), r) for r in ranges]
        matches = [(spec, r) for spec, r in matches if spec]
        if not matches:
            unmatched = media_type if unmatched is None else unmatched
            continue
        spec, r = max(matches, key=lambda m: (m[0], -m[1].order))
        if r.q <= 0:
            continue
        key = (r.q, spec, -index)
        if best_key is None or key > best_key:
            best, best_key = media_type, key
    return best if best is not None or not cut else unmatched


def prefers_html(accept: str | None) -> bool:
    """True when a browser asks: text/html is acceptable and ranked above JSON and RDF."""
    return _prefers_html(clip_accept(accept)[0])


@lru_cache(maxsize=1024)
def _prefers_html(accept: str | None) -> bool:
    choice = choose(accept, ["text/html", "application/json", "text/turtle"])
    return choice == "text/html" and any(r.type == "text" and r.subtype == "html" for r in parse_accept(accept))
