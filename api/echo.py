"""Request text quoted back in an error message is cut short: answers never grow with what a client sends."""

from __future__ import annotations

ECHO_CHARS = 80


def echo(value: object, limit: int = ECHO_CHARS) -> str:
    """`repr(value)` cut to at most `limit` characters, ending in an ellipsis when cut."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"
