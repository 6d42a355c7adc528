"""Classify a SPARQL request before any engine sees it: query form, updates, SERVICE, LOAD.

A small lexer skips comments, string literals and IRIs, so a keyword is only
a keyword where SPARQL would read it as one (not inside "…", <…>, ?var or ex:name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UPDATE = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


class Refused(ValueError):
    """A request the endpoint will not run; carries the HTTP status and a message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


MAX_DEPTH = 64
MAX_VARIABLE_USES = 1000  # a bound on joins: thousands of triple patterns stall planners and can crash servers


def keywords(text: str) -> list[str]:
    """Upper-cased bare words outside comments, strings, IRIs, variables and prefixed names."""
    return scan(text)[0]


def scan(text: str) -> tuple[list[str], int, int]:
    """Bare keywords, the deepest bracket nesting ({, (, [) and the number of variable uses,
    all outside strings, IRIs and comments."""
    found, i, n = [], 0, len(text)
    depth = deepest = variables = 0
    while i < n:
        ch = text[i]
        if ch in "{([":
            depth += 1
            deepest = max(deepest, depth)
            i += 1
            continue
        if ch in "})]":
            depth -= 1
            i += 1
            continue
        if ch == "#":
            end = text.find("\n", i)
            i = n if end == -1 else end + 1
        elif ch in "\"'":
            triple = text[i:i + 3] == ch * 3
            quote = ch * 3 if triple else ch
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
                if not triple and j < n and text[j - 1] == "\n":
                    break
            i = j + len(quote)
        elif ch == "<":
            m = _IRI.match(text, i)
            i = m.end() if m else i + 1
        elif ch in "?$":
            m = _WORD.match(text, i + 1)
            variables += 1 if m else 0
            i = m.end() if m else i + 1
        elif ch.isalpha() or ch == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_-."):
                j += 1
            word = text[i:j].rstrip(".")
            after = text[i + len(word)] if i + len(word) < n else ""
            before = text[i - 1] if i else ""
            if after != ":" and before != ":" and "-" not in word and "." not in word:
                found.append(word.upper())
            i = i + max(len(word), 1)
        else:
            i += 1
    return found, deepest, variables


@dataclass(frozen=True)
class Classified:
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def classify(text: str) -> Classified:
    """The query form; raises Refused for updates, SERVICE and anything that is not a query.
    Verdicts on short texts are remembered (clients repeat their queries; refusals are not cached)."""
    return _classify_remembered(text) if len(text) <= 8192 else _classify(text)


@lru_cache(maxsize=256)
def _classify_remembered(text: str) -> Classified:
    return _classify(text)


def _classify(text: str) -> Classified:
    words, deepest, variables = scan(text)
    if deepest > MAX_DEPTH:
        raise Refused(400, f"the query nests brackets {deepest} levels deep; at most {MAX_DEPTH} are allowed")
    if variables > MAX_VARIABLE_USES:
        raise Refused(400, f"the query uses variables {variables} times; at most {MAX_VARIABLE_USES} are allowed")
    if "SERVICE" in words:
        raise Refused(400, "federated queries (SERVICE) are not allowed on this endpoint: it never makes outbound requests")
    # skip the prologue
    body = [w for w in words if w not in ("PREFIX", "BASE")]
    first = body[0] if body else ""
    if first in _UPDATE or (first not in _FORMS and any(w in _UPDATE for w in body[:1])):
        raise Refused(403, f"SPARQL Update ({first}) is not allowed: this endpoint is read-only")
    if first not in _FORMS:
        if any(w in ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP") for w in words):
            raise Refused(403, "SPARQL Update is not allowed: this endpoint is read-only")
        raise Refused(400, "not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return Classified(first)
