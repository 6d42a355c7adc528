"""Comparing localities through the concept scheme: one engine for `kg compare`, the API, the page and the graph.

It works on plain records (concepts with their broader link, adoptions with their
concept and origin) so the embedded store, a remote store and the API's catalog all
feed it the same way. Restated policy and concepts marked zl:excludedFromComparison
are left out unless asked, because two localities printing the same central formula
share a slogan, not a mechanism.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

LEVELS = ("category", "practice", "programme")


@dataclass(frozen=True)
class Concept:
    iri: str
    zh: str
    en: str
    broader: str | None  # None for a category (top concept)
    excluded: bool = False


@dataclass(frozen=True)
class Use:
    """One adoption as the comparison sees it."""

    locality: str
    adoption: str
    concept: str
    local_name: str
    restated: bool = False


@dataclass
class Scheme:
    concepts: dict[str, Concept]
    _chains: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def chain(self, iri: str) -> list[str]:
        """The concept and its ancestors, up to its category (cycle-safe)."""
        if iri not in self._chains:
            out, seen, node = [], set(), iri
            while node and node not in seen and node in self.concepts:
                out.append(node)
                seen.add(node)
                node = self.concepts[node].broader
            self._chains[iri] = out or [iri]  # an unknown concept stands alone
        return self._chains[iri]

    def category(self, iri: str) -> str:
        return self.chain(iri)[-1]

    def practice(self, iri: str) -> str:
        """The level-2 ancestor: the concept directly under a category (itself for a practice)."""
        chain = self.chain(iri)
        return chain[-2] if len(chain) >= 2 else chain[-1]

    def excluded(self, iri: str) -> bool:
        """Marked zl:excludedFromComparison (a named overall formula)."""
        return iri in self.concepts and self.concepts[iri].excluded

    def level(self, iri: str) -> str:
        return LEVELS[min(len(self.chain(iri)), len(LEVELS)) - 1]

    def ref(self, iri: str) -> dict:
        c = self.concepts.get(iri)
        return {"iri": iri, "id": iri.rsplit("/", 1)[-1], "zh": c.zh if c else iri, "en": c.en if c else iri}


def jaccard(a: set, b: set) -> float:
    return round(len(a & b) / len(a | b), 3) if a | b else 0.0


def compare(scheme: Scheme, uses: list[Use], localities: list[dict], include_restated: bool = False) -> dict:
    """What the chosen localities share and do not, concept by concept and practice by practice.

    localities: [{"iri", "id", "zh", "en"}] in the order to report them.
    """
    chosen = [l["iri"] for l in localities]
    mine = [u for u in uses if u.locality in chosen]
    restated = [u for u in mine if u.restated]
    formulas = [u for u in mine if not u.restated and scheme.excluded(u.concept)]
    compared = counted(scheme, mine, include_restated)

    names: dict[str, dict[str, list[str]]] = {}  # concept -> locality -> local names
    for u in compared:
        names.setdefault(u.concept, {}).setdefault(u.locality, []).append(u.local_name)
    concepts_of = {l: {c for c, by in names.items() if l in by} for l in chosen}
    practices_of = {l: {scheme.practice(c) for c in concepts_of[l]} for l in chosen}
    n = len(chosen)
    order = lambda c: (scheme.ref(scheme.category(c))["en"], scheme.ref(c)["en"])  # noqa: E731

    def row(c: str) -> dict:
        by = names[c]
        return {"concept": scheme.ref(c), "category": scheme.ref(scheme.category(c)),
                "practice": scheme.ref(scheme.practice(c)), "level": scheme.level(c),
                "localities": [l for l in chosen if l in by],
                "local_names": {l: sorted(set(by[l])) for l in chosen if l in by}}

    all_concepts = sorted(names, key=order)
    same = [row(c) for c in all_concepts if len(names[c]) == n]
    some = [{**row(c), "k": len(names[c]), "n": n} for c in all_concepts if 1 < len(names[c]) < n]

    # Same broader practice, different programmes: the practice is reached by two or more
    # localities, and at least two of them reach it through different concepts.
    by_practice: dict[str, dict[str, set[str]]] = {}
    for c in names:
        for l in names[c]:
            by_practice.setdefault(scheme.practice(c), {}).setdefault(l, set()).add(c)
    variants = []
    for p in sorted(by_practice, key=order):
        per_loc = by_practice[p]
        if len(per_loc) > 1 and len({frozenset(v) for v in per_loc.values()}) > 1:
            variants.append({"practice": scheme.ref(p), "category": scheme.ref(scheme.category(p)),
                             "localities": [l for l in chosen if l in per_loc],
                             "concepts": {l: [{**scheme.ref(c), "local_names": sorted(set(names[c][l]))}
                                              for c in sorted(per_loc[l], key=order)] for l in chosen if l in per_loc}})

    unique = {}
    for l in chosen:
        only = [c for c in all_concepts if set(names[c]) == {l}]
        unique[l] = [{**scheme.ref(c), "local_names": sorted(set(names[c][l])),
                      "practice_shared_with": [o for o in chosen if o != l and scheme.practice(c) in practices_of[o]]}
                     for c in only]

    similarity = []
    for a, b in combinations(chosen, 2):
        for level, sets in (("concept", concepts_of), ("practice", practices_of)):
            similarity.append({"a": a, "b": b, "level": level, "jaccard": jaccard(sets[a], sets[b]),
                               "shared": len(sets[a] & sets[b]), "union": len(sets[a] | sets[b])})

    return {
        "localities": localities,
        "include_restated": include_restated,
        "same_concept": same,
        "shared_by_some": some,
        "same_practice_different_programmes": variants,
        "unique": unique,
        "similarity": similarity,
        "left_out": {
            "restated": [] if include_restated else [
                {"locality": u.locality, "adoption": u.adoption, "local_name": u.local_name, "concept": scheme.ref(u.concept)}
                for u in sorted(restated, key=lambda u: (chosen.index(u.locality), u.adoption))],
            "formulas": [{"locality": u.locality, "adoption": u.adoption, "local_name": u.local_name,
                          "concept": scheme.ref(u.concept)}
                         for u in sorted(formulas, key=lambda u: (chosen.index(u.locality), u.adoption))],
        },
    }


def counted(scheme: Scheme, uses: list[Use], include_restated: bool = False) -> list[Use]:
    """The uses every comparison counts (compare, heatmap, map, matrix): concepts of the scheme not excluded
    from comparison; adoptions that only restate a higher level's formula only when asked."""
    return [u for u in uses if u.concept in scheme.concepts and not scheme.excluded(u.concept)
            and (include_restated or not u.restated)]


def presence(scheme: Scheme, uses: list[Use], include_restated: bool = False) -> dict[tuple[str, str], int]:
    """Distinct concepts per (locality, category): the heatmap's measure, independent of curation granularity."""
    seen: dict[tuple[str, str], set[str]] = {}
    for u in counted(scheme, uses, include_restated):
        seen.setdefault((u.locality, scheme.category(u.concept)), set()).add(u.concept)
    return {k: len(v) for k, v in seen.items()}


SCHEME_QUERY = """
SELECT ?c ?zh ?en ?broader ?excluded WHERE {
  { ?c a zl:Mechanism } UNION { ?c a zl:MechanismCategory }
  ?c skos:prefLabel ?zh , ?en . FILTER(LANG(?zh) = "zh" && LANG(?en) = "en")
  OPTIONAL { ?c skos:broader ?broader }
  OPTIONAL { ?c zl:excludedFromComparison ?excluded }
}"""

USES_QUERY = """
SELECT ?loc ?a ?c ?name ?origin WHERE {
  ?a a zl:Adoption ; zl:locality ?loc ; zl:mechanism ?c ; zl:localName ?name .
  OPTIONAL { ?a zl:origin ?origin }
}"""

RESTATED = "https://w3id.org/zhili/ontology#RestatedPolicy"


def scheme_from_rows(rows: list[dict]) -> Scheme:
    return Scheme({r["c"]: Concept(r["c"], r["zh"], r["en"], r.get("broader"), is_true(r.get("excluded"))) for r in rows})


def is_true(value) -> bool:
    """An xsd:boolean as any store returns it: True, "true", or Virtuoso's "1"."""
    return str(value).strip().lower() in ("true", "1")


def uses_from_rows(rows: list[dict]) -> list[Use]:
    return [Use(r["loc"], r["a"], r["c"], r["name"], r.get("origin") == RESTATED) for r in rows]
