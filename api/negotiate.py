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


def parse_accept(header: str | None) -> list[MediaRange]:
    ranges = []
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
    (Clients send the same few Accept headers again and again: answers are remembered.)"""
    if accept is not None and len(accept) > 1024:
        return _choose(accept, tuple(offered))
    return _choose_remembered(accept, tuple(offered))


@lru_cache(maxsize=1024)
def _choose_remembered(accept: str | None, offered: tuple[str, ...]) -> str | None:
    return _choose(accept, offered)


def _choose(accept: str | None, offered: tuple[str, ...]) -> str | None:
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best, best_key = None, None
    for index, media_type in enumerate(offered):
        matches = [(r.matches(media_type), r) for r in ranges]
        matches = [(spec, r) for spec, r in matches if spec]
        if not matches:
            continue
        spec, r = max(matches, key=lambda m: (m[0], -m[1].order))
        if r.q <= 0:
            continue
        key = (r.q, spec, -index)
        if best_key is None or key > best_key:
            best, best_key = media_type, key
    return best


def prefers_html(accept: str | None) -> bool:
    """True when a browser asks: text/html is acceptable and ranked above JSON and RDF."""
    return _prefers_html(accept) if accept is None or len(accept) <= 1024 else _prefers_html.__wrapped__(accept)


@lru_cache(maxsize=1024)
def _prefers_html(accept: str | None) -> bool:
    choice = choose(accept, ["text/html", "application/json", "text/turtle"])
    return choice == "text/html" and any(r.type == "text" and r.subtype == "html" for r in parse_accept(accept))
