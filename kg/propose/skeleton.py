"""The locality and article a draft needs to validate: names and codes read by cpca, places
matched against kg/data/places.ttl, the article's range and headline from the text."""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph
from rdflib.namespace import RDFS

from ..namespaces import PREFIXES
from ..paths import DATA
from ..seeds import Seed
from .structure import _cpca

PREFIX_NAMES = ("rdfs", "xsd", "dcterms", "schema", "zl", "loc", "mech", "ad", "fig", "tier", "doc", "seed", "note",
                "orgtype", "place", "art")


def prefixes() -> str:
    return "".join(f"@prefix {p}: <{PREFIXES[p]}> .\n" for p in PREFIX_NAMES)


@lru_cache(maxsize=1)
def _places() -> dict[str, str]:
    """zh label -> IRI of the provinces and parent cities in places.ttl."""
    graph = Graph().parse(DATA / "places.ttl", format="turtle")
    return {str(o): str(s) for s, o in graph.subject_objects(RDFS.label) if getattr(o, "language", None) == "zh"}


def skeleton(seed: Seed, start: int, end: int, locality: str, own: tuple[str, ...], seeds) -> str:
    """Prefixes, loc:<id> and art:<id> in shorthand (the article quotes its headline)."""
    from .proposal import lit, unique_quote

    text = seed.text
    first = next(line for line in text[start:end].split("\n") if line.strip())
    hs = text.index(first, start)
    headline = first.strip()
    hs += len(first) - len(first.lstrip())
    row = _cpca().transform([" ".join(text[start:end].strip().split("\n")[:3])]).iloc[0]
    province, city, area = (row[k] if isinstance(row[k], str) else "" for k in ("省", "市", "区"))
    name = area or city or locality
    level = ("District" if name.endswith("区") else "County" if name.endswith("县")
             else "CountyLevelCity" if area else "PrefectureLevelCity")
    places = _places()
    province_iri = places.get(province, "")
    parent = places.get(city, "") if area else ""
    english = " ".join(w.capitalize() for w in locality.split("-"))
    quote = unique_quote(seed, hs, hs + len(headline), (start, end), seeds) or headline
    lines = [f"loc:{locality} a zl:Locality ;",
             f"    rdfs:label {lit(name)}@zh , {lit(english)}@en ;",
             f"    zl:adminLevel zl:{level} ;"]
    if parent:
        lines.append(f"    zl:parentCity <{parent}> ;")
    lines.append(f"    zl:province <{province_iri or 'https://w3id.org/zhili/id/locality/' + 'PROVINCE-TO-CHOOSE'}> ;")
    lines.append(f"    zl:describedIn seed:{seed.path.stem} .")
    article = [f"art:{locality} a zl:Article ;",
               f"    rdfs:label {lit(headline)}@zh , {lit(f'Article on {english}')}@en ;",
               f"    zl:endOffset {end} ;",
               f"    zl:headline {lit(headline)}@zh ;",
               f"    zl:inSource seed:{seed.path.stem} ;",
               f"    zl:locality loc:{locality} ;",
               f"    zl:startOffset {start} ;",
               f"    zl:quote {lit(quote)} ."]
    comment = f"# {name} ({locality}): curated with `kg propose` from seeds/{seed.identifier} [{start}, {end}).\n\n"
    return comment + prefixes() + "\n" + "\n".join(lines) + "\n\n" + "\n".join(article) + "\n"
