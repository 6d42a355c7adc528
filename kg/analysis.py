"""Locality comparison for the command line: resolve names, run kg.comparison over the store, print it."""

from __future__ import annotations

import pyoxigraph as ox

from .comparison import SCHEME_QUERY, USES_QUERY, compare, scheme_from_rows, uses_from_rows
from .store import select

_LOCALITIES = """
SELECT ?loc ?label (LANG(?label) AS ?lang) WHERE { ?loc a zl:Locality ; rdfs:label ?label }"""


class UnknownLocality(LookupError):
    """A name that matches no curated locality."""


def resolve_locality(store: ox.Store, name: str) -> str:
    """A locality IRI from its zh or en name, its id, or a unique substring of a name."""
    needle = name.strip().lower()
    rows = select(store, _LOCALITIES)
    exact = {r["loc"] for r in rows if r["label"].lower() == needle or r["loc"].rsplit("/", 1)[-1] == needle}
    if len(exact) == 1:
        return exact.pop()
    partial = {r["loc"] for r in rows if needle and needle in r["label"].lower()}
    if len(partial) == 1:
        return partial.pop()
    known = sorted({r["label"] for r in rows})
    reason = "is ambiguous" if partial else "matches no locality"
    raise UnknownLocality(f"{name!r} {reason}; known localities: {', '.join(known)}")


def compare_localities(store: ox.Store, names: list[str], include_restated: bool = False) -> dict:
    """Same concept, shared by k of n, same practice with different programmes, unique, similarity."""
    iris = list(dict.fromkeys(resolve_locality(store, n) for n in names))
    if len(iris) < 2:
        raise UnknownLocality("name at least two different localities to compare")
    labels = {}
    for r in select(store, _LOCALITIES):
        labels.setdefault(r["loc"], {})[r["lang"]] = r["label"]
    localities = [{"iri": i, "id": i.rsplit("/", 1)[-1], "zh": labels[i].get("zh", ""), "en": labels[i].get("en", "")}
                  for i in iris]
    scheme = scheme_from_rows(select(store, SCHEME_QUERY))
    return compare(scheme, uses_from_rows(select(store, USES_QUERY)), localities, include_restated)


def format_comparison(result: dict, lang: str = "en") -> str:
    """Plain text with names, never ids, in the chosen language (the other in brackets)."""
    other = "zh" if lang == "en" else "en"
    name = lambda r: f"{r[lang]} ({r[other]})"  # noqa: E731
    locs = {l["iri"]: l for l in result["localities"]}
    loc = lambda iri: locs[iri][lang]  # noqa: E731
    lines = ["Localities: " + ", ".join(name(l) for l in result["localities"]),
             "Restated central or provincial formulas are " + ("included." if result["include_restated"]
                                                               else "left out (--include-restated to count them)."), ""]
    lines.append(f"Same concept in all {len(locs)} ({len(result['same_concept'])}):")
    for r in result["same_concept"]:
        variants = "; ".join(f"{loc(l)}: {' / '.join(n)}" for l, n in r["local_names"].items())
        lines.append(f"  {name(r['concept'])} [{r['level']}] — {variants}")
    if result["shared_by_some"]:
        lines += ["", f"Shared by some ({len(result['shared_by_some'])}):"]
        for r in result["shared_by_some"]:
            variants = "; ".join(f"{loc(l)}: {' / '.join(n)}" for l, n in r["local_names"].items())
            lines.append(f"  {r['k']} of {r['n']}: {name(r['concept'])} — {variants}")
    if result["same_practice_different_programmes"]:
        lines += ["", "Same broader practice, different programmes:"]
        for r in result["same_practice_different_programmes"]:
            parts = "; ".join(f"{loc(l)}: " + ", ".join(f"{c[lang]} ({' / '.join(c['local_names'])})" for c in cs)
                              for l, cs in r["concepts"].items())
            lines.append(f"  {name(r['practice'])} — {parts}")
    for l, rows in result["unique"].items():
        lines += ["", f"Only {loc(l)} ({len(rows)}): " + ", ".join(f"{r[lang]} ({' / '.join(r['local_names'])})" for r in rows)]
    lines.append("")
    for s in result["similarity"]:
        lines.append(f"Jaccard at {s['level']} level, {loc(s['a'])} ~ {loc(s['b'])}: {s['jaccard']} "
                     f"({s['shared']} shared of {s['union']})")
    left = result["left_out"]
    if left["restated"]:
        lines += ["", "Left out as restated policy: " + "; ".join(f"{loc(r['locality'])}: {r['local_name']}" for r in left["restated"])]
    if left["formulas"]:
        lines += ["", "Named overall formulas (not compared): " + "; ".join(f"{loc(r['locality'])}: {r['local_name']}"
                                                                          for r in left["formulas"])]
    return "\n".join(lines)
