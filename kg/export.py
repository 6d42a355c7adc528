"""`kg export`: the whole dataset as Turtle, N-Quads, JSON-LD, or as tidy CSV tables with a data dictionary
(Frictionless Data Package) for researchers who load them into pandas, R or Excel."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from .paths import CONTEXT_FILE
from .store import build_store

FORMATS = ("turtle", "nquads", "jsonld", "csv")


def export(fmt: str, store: ox.Store | None = None) -> bytes:
    """Serialize the whole dataset in fmt."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    store = store or build_store()
    if fmt == "nquads":
        return store.dump(format=ox.RdfFormat.N_QUADS)
    union = ox.Store()
    union.extend(ox.Quad(q.subject, q.predicate, q.object) for q in store)
    if fmt == "turtle":
        return union.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=_prefixes())
    if fmt == "jsonld":
        from rdflib import Graph

        context = jsonld_context()
        graph = Graph().parse(data=union.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode("utf-8"),
                              format="nt")
        return graph.serialize(format="json-ld", context=context, auto_compact=True).encode("utf-8")
    # csv: the adoptions table (the same bytes as /api/export/adoptions.csv)
    from api.catalog import Catalog
    from api.repository import EmbeddedRepository

    repo = EmbeddedRepository(store)
    return write_csv(table_rows(Catalog(repo), repo)["adoptions"], COLUMNS["adoptions"])


@lru_cache(maxsize=1)
def jsonld_context() -> dict:
    """The project's JSON-LD context (ontology/context.jsonld), read once."""
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]


def _prefixes() -> dict[str, str]:
    from .namespaces import PREFIXES

    return dict(PREFIXES)


# --- Tidy tables -------------------------------------------------------------------------------------------
#
# One CSV per kind of fact, one row per fact (tiers: one row per rung), every row carrying its minted IRI, its
# locality and its first evidence span (file, code-point offsets, the quote itself); all spans of every fact are
# in evidence.csv. Written as UTF-8 *with* a byte-order mark: Excel opens a BOM-less UTF-8 CSV as the local ANSI
# code page (GBK on Chinese Windows, cp1252 elsewhere) and garbles every Chinese cell, while pandas.read_csv,
# R's readr, LibreOffice and Python's csv module (encoding="utf-8-sig") all strip the BOM. Line ends are CRLF
# (RFC 4180).

BOM = "\ufeff"
DATASET = "zhili"
TABLE_NAMES = ("adoptions", "figures", "tiers", "documents", "subplaces", "localities", "evidence")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Frictionless Table Schema type: string | integer | number | boolean
    en: str
    zh: str


def _c(name: str, type_: str, en: str, zh: str) -> Column:
    return Column(name, type_, en, zh)


_LOCALITY = [
    _c("locality_id", "string", "Locality id (last segment of its IRI)", "地方标识（IRI 末段）"),
    _c("locality_iri", "string", "Locality IRI", "地方 IRI"),
    _c("locality_zh", "string", "Locality name in Chinese", "地方中文名"),
    _c("locality_en", "string", "Locality name in English", "地方英文名"),
    _c("locality_adcode", "string", "GB/T 2260 administrative division code, where the catalog records one",
       "GB/T 2260 行政区划代码（如有记录）"),
]
_SPAN = [
    _c("quote", "string", "The first evidence span's text, exactly as in the source file (all spans: evidence.csv)",
       "第一处证据原文，与来源文件逐字相同（全部证据见 evidence.csv）"),
    _c("source_file", "string", "Source file (seeds/) of that span", "该证据所在来源文件（seeds/）"),
    _c("start", "integer", "Start offset of that span, in Unicode code points from the start of the file",
       "该证据起始位置（自文件开头计的 Unicode 码位数）"),
    _c("end", "integer", "End offset (exclusive) of that span, in code points", "该证据结束位置（不含），码位数"),
    _c("article_iri", "string", "The article (within the source file) the span belongs to", "该证据所属文章的 IRI"),
    _c("evidence_count", "integer", "How many evidence spans support the fact", "支持该事实的证据条数"),
    _c("sources", "string", "Every source file with evidence for the fact, space-separated", "含有该事实证据的全部来源文件，空格分隔"),
]
COLUMNS: dict[str, list[Column]] = {
    "adoptions": [
        _c("iri", "string", "The adoption's IRI (its stable URL)", "采用记录的 IRI（稳定网址）"),
        _c("id", "string", "Adoption id", "采用记录标识"),
        *_LOCALITY,
        _c("mechanism_id", "string", "Mechanism concept id", "机制概念标识"),
        _c("mechanism_iri", "string", "Mechanism concept IRI", "机制概念 IRI"),
        _c("mechanism_zh", "string", "Mechanism concept, Chinese label", "机制概念中文名"),
        _c("mechanism_en", "string", "Mechanism concept, English label", "机制概念英文名"),
        _c("practice_id", "string", "The practice the concept is or belongs to (the concept below its category)",
           "该概念所属的做法（类别之下一层的概念）"),
        _c("practice_zh", "string", "Practice, Chinese label", "做法中文名"),
        _c("practice_en", "string", "Practice, English label", "做法英文名"),
        _c("category_id", "string", "Mechanism category id", "机制类别标识"),
        _c("category_zh", "string", "Mechanism category, Chinese label", "机制类别中文名"),
        _c("category_en", "string", "Mechanism category, English label", "机制类别英文名"),
        _c("local_name", "string", "The name the locality uses, as printed", "当地用语（原文）"),
        _c("gloss", "string", "English gloss of the local name", "当地用语的英文释义"),
        _c("details_zh", "string", "What the source says the locality does, in Chinese", "来源所述具体做法（中文）"),
        _c("details_en", "string", "The same, in English", "具体做法（英文）"),
        _c("origin", "string", "local: the locality's own measure; restated: a higher-level formula restated",
           "local：本地做法；restated：转述上级提法"),
        _c("sub_places", "string", "IRIs of places inside the locality the adoption concerns, space-separated",
           "所涉下辖地点的 IRI，空格分隔"),
        *_SPAN,
    ],
    "figures": [
        _c("iri", "string", "The figure's IRI", "数字的 IRI"),
        _c("id", "string", "Figure id", "数字标识"),
        *_LOCALITY,
        _c("adoption_iri", "string", "The adoption the figure quantifies, if any", "该数字所量化的采用记录（如有）"),
        _c("counted_zh", "string", "What is counted, in Chinese", "统计对象（中文）"),
        _c("counted_en", "string", "What is counted, in English", "统计对象（英文）"),
        _c("value", "number", "The value (exact decimal), if one number", "数值（精确十进制），单一数值时"),
        _c("min_value", "number", "Lower bound, for a range", "范围下限"),
        _c("max_value", "number", "Upper bound, for a range", "范围上限"),
        _c("unit_zh", "string", "Unit, Chinese", "单位（中文）"),
        _c("unit_en", "string", "Unit, English", "单位（英文）"),
        _c("printed_value", "string", "The number with unit and qualifiers exactly as printed", "原文所印数字及单位"),
        _c("printed_unit", "string", "The unit as printed, where it differs from the unit (e.g. 万人次)",
           "原文所印单位（与单位不同时，如“万人次”）"),
        _c("qualifier", "string", "Value qualifier id (Exactly, MoreThan, …)", "数值限定标识"),
        _c("qualifier_zh", "string", "Value qualifier, Chinese", "数值限定（中文）"),
        _c("qualifier_en", "string", "Value qualifier, English", "数值限定（英文）"),
        _c("denominator_zh", "string", "What the value is per (denominator), Chinese", "分母／计量基准（中文）"),
        _c("denominator_en", "string", "Denominator, English", "分母／计量基准（英文）"),
        _c("count_scope", "string", "Count scope id (TotalCount, PerParentCount), where recorded", "计数范围标识（如有）"),
        _c("count_scope_zh", "string", "Count scope, Chinese", "计数范围（中文）"),
        _c("count_scope_en", "string", "Count scope, English", "计数范围（英文）"),
        _c("period", "string", "Period the figure refers to, where recorded", "所指时期（如有）"),
        _c("sub_places", "string", "IRIs of places inside the locality the figure is about, space-separated",
           "所涉下辖地点 IRI，空格分隔"),
        _c("sub_places_zh", "string", "Those places' Chinese names, separated by '; '", "下辖地点中文名，以“; ”分隔"),
        *_SPAN,
    ],
    "tiers": [
        _c("chain_iri", "string", "The tier chain's IRI", "层级链的 IRI"),
        _c("chain_id", "string", "Tier chain id", "层级链标识"),
        *_LOCALITY,
        _c("chain_zh", "string", "Tier chain, Chinese label", "层级链中文名"),
        _c("chain_en", "string", "Tier chain, English label", "层级链英文名"),
        _c("chain_local_name", "string", "The chain's name as printed, if any", "层级链的原文名称（如有）"),
        _c("chain_kind_zh", "string", "Kind of chain, Chinese", "层级链类型（中文）"),
        _c("chain_kind_en", "string", "Kind of chain, English", "层级链类型（英文）"),
        _c("rank", "integer", "Rung, 1 = top", "层级序号，1 为最高"),
        _c("tier_iri", "string", "The rung's IRI", "该层级的 IRI"),
        _c("tier_local_name", "string", "The rung as printed", "该层级原文名称"),
        _c("tier_zh", "string", "Rung, Chinese label", "层级中文名"),
        _c("tier_en", "string", "Rung, English label", "层级英文名"),
        _c("org_type_zh", "string", "Type of organisation at the rung, Chinese", "该层组织类型（中文）"),
        _c("org_type_en", "string", "Type of organisation at the rung, English", "该层组织类型（英文）"),
        _c("counts", "string", "How many there are, as printed (figures), separated by ' | '", "数量（原文），以“ | ”分隔"),
        *_SPAN,
    ],
    "documents": [
        _c("iri", "string", "The policy document's IRI", "政策文件的 IRI"),
        _c("id", "string", "Document id", "文件标识"),
        _c("title", "string", "Title as printed (inside 《》)", "原文标题（《》内）"),
        _c("title_zh", "string", "Title, Chinese label", "标题（中文）"),
        _c("title_en", "string", "Title, English translation", "标题（英译）"),
        _c("issuers", "string", "IRIs of the issuing bodies, space-separated", "发文机关 IRI，空格分隔"),
        _c("issuers_zh", "string", "Issuing bodies, Chinese, separated by '; '", "发文机关（中文），以“; ”分隔"),
        _c("issuers_en", "string", "Issuing bodies, English, separated by '; '", "发文机关（英文），以“; ”分隔"),
        _c("cited_by", "string", "Ids of the localities whose source cites it, space-separated", "引用该文件的地方标识，空格分隔"),
        _c("cited_by_zh", "string", "Those localities, Chinese, separated by '; '", "引用地方（中文），以“; ”分隔"),
        _c("establishes", "string", "Ids of mechanism concepts it establishes, space-separated", "该文件确立的机制概念标识"),
        *_SPAN,
    ],
    "subplaces": [
        _c("iri", "string", "The place's IRI", "地点 IRI"),
        _c("id", "string", "Place id", "地点标识"),
        _c("name_zh", "string", "Name, Chinese", "名称（中文）"),
        _c("name_en", "string", "Name, English", "名称（英文）"),
        _c("kind_zh", "string", "Kind of place, Chinese", "地点类型（中文）"),
        _c("kind_en", "string", "Kind of place, English", "地点类型（英文）"),
        _c("parent_iri", "string", "The place it is part of", "上级地点 IRI"),
        _c("parent_zh", "string", "That place, Chinese", "上级地点（中文）"),
        _c("parent_en", "string", "That place, English", "上级地点（英文）"),
        *_LOCALITY,
        *_SPAN,
    ],
    "localities": [
        *_LOCALITY,
        _c("level_zh", "string", "Administrative level, Chinese", "行政层级（中文）"),
        _c("level_en", "string", "Administrative level, English", "行政层级（英文）"),
        _c("province_zh", "string", "Province, Chinese", "所属省份（中文）"),
        _c("province_en", "string", "Province, English", "所属省份（英文）"),
        _c("parent_city_zh", "string", "Parent city, Chinese, if any", "所属地级市（中文，如有）"),
        _c("parent_city_en", "string", "Parent city, English, if any", "所属地级市（英文，如有）"),
        _c("source_files", "string", "Source files describing it, space-separated", "记述该地的来源文件，空格分隔"),
        _c("adoptions", "integer", "Number of adoptions", "采用记录数"),
        _c("figures", "integer", "Number of figures", "数字数"),
        _c("tier_chains", "integer", "Number of tier chains", "层级链数"),
        _c("documents", "integer", "Number of policy documents cited", "所引政策文件数"),
    ],
    "evidence": [
        _c("fact_iri", "string", "The fact (adoption, figure, tier chain, tier, document, place, …) the span supports",
           "该证据支持的事实 IRI"),
        _c("fact_kind", "string", "Kind of fact (the IRI's path segment: adoption, figure, tier, …)", "事实类型"),
        _c("evidence_iri", "string", "The annotation's IRI", "证据标注 IRI"),
        _c("source_file", "string", "Source file", "来源文件"),
        _c("start", "integer", "Start offset, in code points", "起始位置（码位）"),
        _c("end", "integer", "End offset (exclusive), in code points", "结束位置（不含，码位）"),
        _c("quote", "string", "The span's text, exactly as in the file", "证据原文"),
        _c("article_iri", "string", "The article the span belongs to", "所属文章 IRI"),
    ],
}
TABLE_TITLES = {
    "adoptions": ("Adoptions: one row per locality's adoption of a mechanism", "机制采用：每行一条地方采用记录"),
    "figures": ("Figures: one row per number printed in a source", "数字：每行一个来源中的数字"),
    "tiers": ("Tier chains: one row per rung", "层级链：每行一个层级"),
    "documents": ("Policy documents cited in the sources", "来源中引用的政策文件"),
    "subplaces": ("Places inside a locality named in the text", "文中提到的下辖地点"),
    "localities": ("Localities", "地方"),
    "evidence": ("Every evidence span of every fact", "每个事实的每处证据"),
}


def _label_pair(label) -> tuple[str, str]:
    return (label.zh, label.en) if label is not None else ("", "")


class _Tables:
    """Rows of every table from one catalog."""

    def __init__(self, cat, count_scopes: dict[str, str]):
        from api.catalog import local_id

        self.cat, self.local_id, self.count_scopes = cat, local_id, count_scopes

    def article(self, ev, locality: str | None) -> str:
        article = self.cat.article_of(ev.source, ev.start, locality)
        return article.iri if article is not None else ""

    def span(self, evidence: list[str], locality: str | None) -> dict:
        if not evidence:
            return {"quote": "", "source_file": "", "start": "", "end": "", "article_iri": "", "evidence_count": 0,
                    "sources": ""}
        ev = self.cat.evidence[evidence[0]]
        files = dict.fromkeys(self.cat.evidence[e].source + ".txt" for e in evidence)
        return {"quote": ev.exact, "source_file": ev.source + ".txt", "start": ev.start, "end": ev.end,
                "article_iri": self.article(ev, locality), "evidence_count": len(evidence), "sources": " ".join(files)}

    def locality(self, iri: str | None) -> dict:
        loc = self.cat.localities.get(iri) if iri else None
        if loc is None:
            return {"locality_id": "", "locality_iri": iri or "", "locality_zh": "", "locality_en": "", "locality_adcode": ""}
        return {"locality_id": loc.id, "locality_iri": loc.iri, "locality_zh": loc.label.zh, "locality_en": loc.label.en,
                "locality_adcode": str(getattr(loc, "adcode", None) or "")}

    def practice(self, mechanism: str) -> str:
        """The concept right below the category on the way up from `mechanism`."""
        cat, seen = self.cat, set()
        while mechanism in cat.mechanisms and cat.mechanisms[mechanism].broader in cat.mechanisms and mechanism not in seen:
            seen.add(mechanism)
            mechanism = cat.mechanisms[mechanism].broader
        return mechanism

    def adoptions(self) -> list[dict]:
        cat, rows = self.cat, []
        for a in sorted(cat.adoptions.values(), key=lambda a: (a.locality, a.iri)):
            mech = cat.mechanisms[a.mechanism]
            practice = self.practice(a.mechanism)
            category = cat.categories.get(mech.category)
            rows.append({
                "iri": a.iri, "id": a.id, **self.locality(a.locality),
                "mechanism_id": mech.id, "mechanism_iri": mech.iri, "mechanism_zh": mech.label.zh, "mechanism_en": mech.label.en,
                "practice_id": self.local_id(practice), "practice_zh": cat.label(practice).zh, "practice_en": cat.label(practice).en,
                "category_id": category.id if category else "", "category_zh": category.label.zh if category else "",
                "category_en": category.label.en if category else "",
                "local_name": a.local_name, "gloss": a.gloss, "details_zh": a.details.zh, "details_en": a.details.en,
                "origin": "restated" if a.restated else "local", "sub_places": " ".join(a.sub_places),
                **self.span(a.evidence, a.locality)})
        return rows

    def figures(self) -> list[dict]:
        cat, rows = self.cat, []
        from kg.namespaces import ZL

        for f in sorted(cat.figures.values(), key=lambda f: (f.locality, f.iri)):
            qualifier = cat.label(str(ZL[f.qualifier]))
            scope = self.count_scopes.get(f.iri, "")
            scope_label = cat.label(scope) if scope else None
            rows.append({
                "iri": f.iri, "id": f.id, **self.locality(f.locality), "adoption_iri": f.adoption or "",
                "counted_zh": f.label.zh, "counted_en": f.label.en, "value": f.value or "", "min_value": f.min_value or "",
                "max_value": f.max_value or "", "unit_zh": f.unit.zh, "unit_en": f.unit.en, "printed_value": f.printed,
                "printed_unit": f.printed_unit or "", "qualifier": f.qualifier, "qualifier_zh": qualifier.zh,
                "qualifier_en": qualifier.en, "denominator_zh": _label_pair(f.denominator)[0],
                "denominator_en": _label_pair(f.denominator)[1], "count_scope": scope.rsplit("#", 1)[-1] if scope else "",
                "count_scope_zh": scope_label.zh if scope_label else "", "count_scope_en": scope_label.en if scope_label else "",
                "period": f.period or "", "sub_places": " ".join(f.sub_places),
                "sub_places_zh": "; ".join(cat.label(p).zh for p in f.sub_places), **self.span(f.evidence, f.locality)})
        return rows

    def tiers(self) -> list[dict]:
        cat, rows = self.cat, []
        for c in sorted(cat.chains.values(), key=lambda c: (c.locality, c.iri)):
            for t in c.tiers:
                counts = " | ".join(cat.figures[f].printed if f in cat.figures else f for f in t.counts)
                rows.append({
                    "chain_iri": c.iri, "chain_id": c.id, **self.locality(c.locality), "chain_zh": c.label.zh,
                    "chain_en": c.label.en, "chain_local_name": c.local_name or "", "chain_kind_zh": _label_pair(c.kind)[0],
                    "chain_kind_en": _label_pair(c.kind)[1], "rank": t.rank, "tier_iri": t.iri,
                    "tier_local_name": t.local_name, "tier_zh": t.label.zh, "tier_en": t.label.en,
                    "org_type_zh": t.org_type.zh, "org_type_en": t.org_type.en, "counts": counts,
                    **self.span(t.evidence or c.evidence, c.locality)})
        return rows

    def documents(self) -> list[dict]:
        cat, rows = self.cat, []
        for d in sorted(cat.documents.values(), key=lambda d: d.iri):
            cited = [cat.localities[l] for l in d.cited_by if l in cat.localities]
            first_locality = cited[0].iri if len(cited) == 1 else None
            rows.append({
                "iri": d.iri, "id": d.id, "title": d.title, "title_zh": d.label.zh, "title_en": d.label.en,
                "issuers": " ".join(i for i, _ in d.issued_by), "issuers_zh": "; ".join(l.zh for _, l in d.issued_by),
                "issuers_en": "; ".join(l.en for _, l in d.issued_by), "cited_by": " ".join(l.id for l in cited),
                "cited_by_zh": "; ".join(l.label.zh for l in cited),
                "establishes": " ".join(self.local_id(m) for m in d.establishes), **self.span(d.evidence, first_locality)})
        return rows

    def subplaces(self) -> list[dict]:
        cat, rows = self.cat, []
        for p in sorted(cat.sub_places.values(), key=lambda p: (p.locality, p.iri)):
            parent = cat.label(p.parent)
            rows.append({
                "iri": p.iri, "id": p.id, "name_zh": p.label.zh, "name_en": p.label.en, "kind_zh": p.kind.zh,
                "kind_en": p.kind.en, "parent_iri": p.parent, "parent_zh": parent.zh, "parent_en": parent.en,
                **self.locality(p.locality), **self.span(p.evidence, p.locality)})
        return rows

    def localities(self) -> list[dict]:
        rows = []
        for l in sorted(self.cat.localities.values(), key=lambda l: l.id):
            parent = _label_pair(l.parent_city)
            rows.append({**self.locality(l.iri), "level_zh": l.level.zh, "level_en": l.level.en,
                         "province_zh": l.province.zh, "province_en": l.province.en, "parent_city_zh": parent[0],
                         "parent_city_en": parent[1], "source_files": " ".join(s + ".txt" for s in l.sources),
                         "adoptions": len(l.adoptions), "figures": len(l.figures), "tier_chains": len(l.chains),
                         "documents": len(l.documents)})
        return rows

    def evidence(self) -> list[dict]:
        cat, rows = self.cat, []
        for ev in sorted(cat.evidence.values(), key=lambda e: (e.source, e.start, e.end, e.iri)):
            for body in ev.bodies:
                fact = cat.entity(body)
                rows.append({"fact_iri": body, "fact_kind": cat.kind(body), "evidence_iri": ev.iri,
                             "source_file": ev.source + ".txt", "start": ev.start, "end": ev.end, "quote": ev.exact,
                             "article_iri": self.article(ev, getattr(fact, "locality", None))})
        return rows


_COUNT_SCOPES = "SELECT ?f ?scope WHERE { ?f a zl:Figure ; zl:countScope ?scope }"


def table_rows(cat, repo=None) -> dict[str, list[dict]]:
    """Every table's rows (dicts keyed by COLUMNS names), from a catalog and the repository it was read from
    (for the figures' count scopes, which the catalog does not keep)."""
    scopes = {r["f"]: r["scope"] for r in repo.select(_COUNT_SCOPES)} if repo is not None else {}
    tables = _Tables(cat, scopes)
    return {name: getattr(tables, name)() for name in TABLE_NAMES}


def write_csv(rows: list[dict], columns: list[Column]) -> bytes:
    """One table as UTF-8 CSV with a BOM (see above), CRLF line ends, every field that needs it quoted."""
    buffer = io.StringIO()
    names = [c.name for c in columns]
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\r\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({n: row.get(n, "") for n in names})
    return (BOM + buffer.getvalue()).encode("utf-8")


def dataset_version() -> str:
    """The package version (pyproject.toml) the dataset is released with."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zhili")
    except PackageNotFoundError:  # a source checkout that was never installed
        import tomllib

        from .paths import ROOT

        return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def datapackage(checksum: str | None = None, base_url: str | None = None) -> dict:
    """The Frictionless Data Package descriptor (tabular-data-package profile) of the tables: every column with
    its type and its meaning in en (description) and zh (description_zh)."""
    resources = []
    for name in TABLE_NAMES:
        en, zh = TABLE_TITLES[name]
        resource = {
            "name": name, "path": f"{name}.csv", "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "title": en, "title_zh": zh,
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": '"', "doubleQuote": True, "header": True},
            "schema": {"fields": [{"name": c.name, "type": c.type, "description": c.en, "description_zh": c.zh}
                                  for c in COLUMNS[name]]},
        }
        if base_url:
            resource["url"] = f"{base_url}/api/export/{name}.csv"
        resources.append(resource)
    package = {
        "profile": "tabular-data-package", "name": DATASET, "version": dataset_version(),
        "title": "Zhili: a knowledge graph of urban grassroots governance in China (tables)",
        "title_zh": "治理：城市基层治理知识图谱（表格）",
        "description": "Tidy CSV tables of the Zhili knowledge graph. Every row names the fact's IRI and the exact span "
                       "(file and code-point offsets) of the source sentence it comes from. UTF-8 with a byte-order mark.",
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0"}],
        "homepage": "https://w3id.org/zhili/",
        "resources": resources,
    }
    if checksum:
        package["checksum"] = checksum
    return package


def table_files(cat, repo=None, checksum: str | None = None, base_url: str | None = None) -> dict[str, bytes]:
    """File name -> bytes: every table and datapackage.json."""
    rows = table_rows(cat, repo)
    files = {f"{name}.csv": write_csv(rows[name], COLUMNS[name]) for name in TABLE_NAMES}
    files["datapackage.json"] = json.dumps(datapackage(checksum, base_url), ensure_ascii=False, indent=1).encode("utf-8")
    return files


def tables_zip(files: dict[str, bytes]) -> bytes:
    """The tables and their data dictionary in one zip (deflated, fixed timestamps: same data, same bytes)."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(f"zhili-tables/{name}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def write_tables(directory, store: ox.Store | None = None) -> list[str]:
    """`kg export --tables DIR`: write every table and datapackage.json into DIR; returns the file names."""
    from pathlib import Path

    from api.catalog import Catalog
    from api.repository import EmbeddedRepository

    from .store import dataset_checksum

    store = store or build_store()
    repo = EmbeddedRepository(store)
    files = table_files(Catalog(repo), repo, dataset_checksum(store))
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    return list(files)
