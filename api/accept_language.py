"""Accept-Language (RFC 9110 §12.5.4) reduced to the two languages the pages speak.

A hand-written parser because it is twenty lines and the project's runtime has no HTTP toolkit that
parses language ranges (werkzeug is only a test dependency here)."""

from __future__ import annotations

import re

MAX_CHARS = 1024  # of the header, at most this much is read; the rest cannot change the answer much
_RANGE = re.compile(r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*)?$")


def language_from_header(header: str | None) -> str:
    """'zh' when a Chinese range (zh, zh-CN, zh-Hans, zh-TW…) is preferred to every English one (`*` counts as
    English): a higher q-value, or the same q-value listed first. Else 'en'. Malformed ranges are skipped; q=0
    means "not this language"."""
    best: dict[str, tuple[float, int]] = {}  # language -> (highest q, -position of the range that gave it)
    for position, part in enumerate((header or "")[:MAX_CHARS].split(",")):
        match = _RANGE.match(part)
        if not match:
            continue
        tag, q = match.group(1).lower(), float(match.group(2) or 1)
        lang = "zh" if tag.split("-")[0] == "zh" else "en" if tag.split("-")[0] in ("en", "*") else None
        if lang and q > 0 and (q, -position) > best.get(lang, (0.0, 0)):
            best[lang] = (q, -position)
    return "zh" if "zh" in best and best["zh"] > best.get("en", (0.0, 0)) else "en"
