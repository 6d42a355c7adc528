"""Citations of anything a researcher may quote from Zhili: a fact (adoption, figure, tier chain), a locality, a
policy document, a source file.

Each is built only from what the graph and the seed manifest record (headline, byline, file, SHA-256,
language) plus the fact's evidence offsets, the dataset's name, version and release checksum, and the fact's
minted IRI (its stable URL). The sources record no publication, publisher or date, so no citation has one: a
field the data lacks is left out, never guessed. Four formats: plain text (zh or en), BibTeX, CSL-JSON (the input
format of Zotero, Pandoc and citeproc) and RIS. BibTeX and RIS are written here (a few fixed fields each, escaped
as their specifications require); tests/test_citations.py reads them back with bibtexparser and rispy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from kg.namespaces import ID

from .catalog import Catalog, Evidence, local_id

FORMATS = {
    "text": "text/plain; charset=utf-8",
    "bibtex": "application/x-bibtex; charset=utf-8",
    "csl-json": "application/vnd.citationstyles.csl+json",
    "ris": "application/x-research-info-systems",
}
SUFFIXES = {"text": "txt", "bibtex": "bib", "csl-json": "json", "ris": "ris"}
DATASET_AUTHOR = "Zhili project"  # as in CITATION.cff
DATASET_TITLE = {"en": "Zhili: a knowledge graph of urban grassroots governance in China",
                 "zh": "治理：城市基层治理知识图谱"}
KIND_NAMES = {
    "adoption": ("adoption", "机制采用"), "figure": ("figure", "数字"), "tier": ("tier chain", "层级链"),
    "locality": ("locality", "地方"), "document": ("policy document", "政策文件"), "source": ("source file", "来源文件"),
}


class UnknownIri(LookupError):
    """An IRI that names nothing citable in the graph."""


@dataclass(frozen=True)
class Span:
    file: str  # the seed file name, e.g. 000_b51d81ad140c2e75.txt
    start: int  # code points
    end: int
    quote: str


@dataclass(frozen=True)
class Work:
    """A printed article (or a whole source file) as the manifest and the article records describe it."""

    headline: str
    byline: str | None
    file: str
    sha256: str


@dataclass
class Reference:
    iri: str
    kind: str  # adoption | figure | tier | locality | document | source
    title: dict[str, str]  # zh, en
    authors: list[str]
    spans: list[Span] = field(default_factory=list)
    works: list[Work] = field(default_factory=list)
    version: str = ""
    checksum: str | None = None
    language: str = "zh"
    printed_title: bool = False  # the title is a headline as printed (a source file holding one article)

    @property
    def key(self) -> str:
        """A citation key: ASCII, stable, unique (the IRI's path under the id namespace)."""
        return "zhili-" + re.sub(r"[^A-Za-z0-9_-]+", "-", self.iri[len(ID):] if self.iri.startswith(ID) else self.iri)

    @property
    def release(self) -> str | None:
        return self.checksum[:16] if self.checksum else None

    def title_language(self, lang: str) -> str:
        """The language of the title a citation in `lang` carries (a printed headline is always Chinese)."""
        return "zh" if self.printed_title else lang

    def container(self, lang: str) -> str:
        return DATASET_TITLE[lang]

    def evidence_note(self, lang: str) -> str:
        spans = "; ".join(f"{s.file} [{s.start}–{s.end}]" for s in self.spans)
        return (f"证据（码位偏移）：{spans}" if lang == "zh" else f"evidence (code-point offsets): {spans}") if spans else ""

    def works_note(self, lang: str) -> str:
        parts = []
        for w in self.works:
            byline = w.byline or ("未署名" if lang == "zh" else "no byline printed")
            parts.append(f"{byline}《{w.headline}》({w.file})" if lang == "zh" else f"{byline}, 《{w.headline}》 ({w.file})")
        if not parts:
            return ""
        return ("来源：" if lang == "zh" else "source: ") + "; ".join(parts)

    def version_note(self, lang: str) -> str:
        release = f", release {self.release}" if self.release and lang == "en" else (
            f"，发布 {self.release}" if self.release else "")
        return (f"版本 {self.version}{release}" if lang == "zh" else f"version {self.version}{release}")


def _span(ev: Evidence) -> Span:
    return Span(ev.source + ".txt", ev.start, ev.end, ev.exact)


def _source_work(cat: Catalog, source_id: str) -> Work | None:
    src = cat.sources.get(ID + "source/" + source_id)
    if src is None:
        return None
    return Work(" / ".join(src.headlines), " / ".join(src.bylines) or None, src.identifier, src.sha256)


def _works(cat: Catalog, evidence: list[str], locality: str | None) -> list[Work]:
    """The articles the evidence spans sit in (headline and byline as printed), in file order."""
    out: dict[tuple, Work] = {}
    for iri in evidence:
        ev = cat.evidence[iri]
        art = cat.article_of(ev.source, ev.start, locality)
        src = cat.sources.get(ID + "source/" + ev.source)
        if art is not None and src is not None:
            work = Work(art.headline, art.byline, src.identifier, src.sha256)
        else:
            work = _source_work(cat, ev.source)
        if work is not None:
            out.setdefault((work.file, work.headline), work)
    return list(out.values())


def reference(cat: Catalog, iri: str, version: str, checksum: str | None = None) -> Reference:
    """The citation data of iri; raises UnknownIri for anything that is not a citable entity."""
    kind = cat.kind(iri)

    def ref(title_zh: str, title_en: str, evidence: list[str], locality: str | None, authors=None) -> Reference:
        return Reference(iri, kind, {"zh": title_zh, "en": title_en}, authors or [DATASET_AUTHOR],
                         [_span(cat.evidence[e]) for e in evidence], _works(cat, evidence, locality), version, checksum)

    if iri in cat.adoptions:
        a = cat.adoptions[iri]
        loc = cat.label(a.locality)
        return ref(f"{loc.zh}：{a.local_name}", f"{loc.en}: {a.gloss}", a.evidence, a.locality)
    if iri in cat.figures:
        f = cat.figures[iri]
        loc = cat.label(f.locality)
        return ref(f"{loc.zh}：{f.label.zh}，{f.printed}", f"{loc.en}: {f.label.en}, {f.printed}", f.evidence, f.locality)
    if iri in cat.chains:
        c = cat.chains[iri]
        loc = cat.label(c.locality)
        evidence = list(dict.fromkeys(c.evidence + [e for t in c.tiers for e in t.evidence]))
        return ref(f"{loc.zh}：{c.label.zh}", f"{loc.en}: {c.label.en}", evidence, c.locality)
    if iri in cat.localities:
        loc = cat.localities[iri]
        r = ref(loc.label.zh, loc.label.en, loc.evidence, iri)
        r.works = [w for w in (_articles_of(cat, iri) or [_source_work(cat, s) for s in loc.sources]) if w]
        return r
    if iri in cat.documents:
        d = cat.documents[iri]
        cited = d.cited_by[0] if len(d.cited_by) == 1 else None
        return ref(f"《{d.title}》", d.label.en, d.evidence, cited)
    if iri in cat.sources:
        s = cat.sources[iri]
        work = _source_work(cat, s.id)
        single = len(s.headlines) == 1  # else the file's own label ("Source 002: …"), and its headlines in the note
        title = {"zh": work.headline, "en": work.headline} if single else {"zh": s.label.zh, "en": s.label.en}
        return Reference(iri, "source", title, list(s.bylines), works=[work], version=version, checksum=checksum,
                         printed_title=single)
    raise UnknownIri(iri)


def _articles_of(cat: Catalog, locality: str) -> list[Work]:
    out = []
    for art in sorted(cat.articles.values(), key=lambda a: (a.source, a.start)):
        src = cat.sources.get(ID + "source/" + art.source)
        if art.locality == locality and src is not None:
            out.append(Work(art.headline, art.byline, src.identifier, src.sha256))
    return out


# --- writers -----------------------------------------------------------------------------------------------


def text(r: Reference, lang: str = "en") -> str:
    """One paragraph, in the page language."""
    if r.kind == "source":
        w = r.works[0]
        authors = "; ".join(r.authors)
        title = f"《{r.title['zh']}》" if r.printed_title else r.title[lang]
        articles = "" if r.printed_title else "; ".join(f"《{h}》" for h in w.headline.split(" / "))
        if lang == "zh":
            head = f"{authors}：" if authors else ""
            listed = f"所载文章：{articles}。" if articles else ""
            return (f"{head}{title}。{listed}来源文件 {w.file}（SHA-256 {w.sha256}）。收录于{DATASET_TITLE['zh']}，"
                    f"{r.version_note('zh')}。{r.iri}")
        head = f"{authors}. " if authors else ""
        listed = f" Articles: {articles}." if articles else ""
        return (f"{head}{title}.{listed} Source file {w.file} (SHA-256 {w.sha256}). In {DATASET_TITLE['en']}, "
                f"{r.version_note('en')}. {r.iri}")
    kind = KIND_NAMES[r.kind][1 if lang == "zh" else 0]
    notes = [n for n in (r.evidence_note(lang), r.works_note(lang)) if n]
    if lang == "zh":
        tail = "".join(f"{n}。" for n in notes)
        title = r.title["zh"] if r.title["zh"].startswith("《") else f"“{r.title['zh']}”"  # a document's title has its 《》
        return (f"{'；'.join(r.authors)}：{title}［{kind}］。{DATASET_TITLE['zh']}，{r.version_note('zh')}。"
                f"{r.iri}。{tail}")
    tail = " ".join(f"{n[0].upper()}{n[1:]}." for n in notes)
    return (f"{'; '.join(r.authors)}. \"{r.title['en']}\" [{kind}]. {DATASET_TITLE['en']}, {r.version_note('en')}. "
            f"{r.iri}. {tail}").rstrip()


_BIB_SPECIAL = re.compile(r"([\\{}%&$#_^~])")
_BIB_REPLACE = {"\\": r"\textbackslash{}", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}"}


def _bib(value: str) -> str:
    """A BibTeX field value: TeX specials escaped, braces balanced."""
    return _BIB_SPECIAL.sub(lambda m: _BIB_REPLACE.get(m.group(1), "\\" + m.group(1)), value)


def _note(r: Reference, lang: str) -> str:
    if r.kind == "source":
        w = r.works[0]
        articles = "" if r.printed_title else "; ".join(f"《{h}》" for h in w.headline.split(" / "))
        if lang == "zh":
            return (f"所载文章：{articles}；" if articles else "") + f"来源文件 {w.file}，SHA-256 {w.sha256}"
        return (f"articles: {articles}; " if articles else "") + f"source file {w.file}, SHA-256 {w.sha256}"
    return "; ".join(n for n in (r.evidence_note(lang), r.works_note(lang)) if n)


def bibtex(r: Reference, lang: str = "en") -> str:
    """A @misc entry (BibTeX has no dataset type; biblatex reads @misc too)."""
    title = r.title["zh"] if r.printed_title else r.title[lang]
    fields = [("author", " and ".join("{" + _bib(a) + "}" for a in r.authors)), ("title", "{" + _bib(title) + "}")]
    if r.kind != "source":
        fields.append(("howpublished", _bib(r.container(lang))))
    else:
        fields.append(("howpublished", _bib(("收录于" if lang == "zh" else "in ") + r.container(lang))))
    fields += [("version", _bib(r.version)), ("url", r.iri), ("note", _bib(_note(r, lang))),
               ("language", "chinese" if r.title_language(lang) == "zh" else "english")]
    if r.checksum:
        fields.append(("addendum", _bib(f"release {r.release} (SHA-256 {r.checksum})")))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v)
    return f"@misc{{{r.key},\n{body}\n}}\n"


def csl(r: Reference, lang: str = "en") -> list[dict]:
    """A CSL-JSON array with one item (schema: citation-style-language/schema, csl-data.json)."""
    item: dict = {"id": r.key, "type": "article" if r.kind == "source" else "dataset",
                  "title": r.title["zh"] if r.printed_title else r.title[lang],
                  "author": [{"literal": a} for a in r.authors], "URL": r.iri, "version": r.version,
                  "language": r.title_language(lang)}
    if r.kind == "source":
        item["collection-title"] = r.container(lang)
        item["source"] = r.works[0].file
    else:
        item["container-title"] = r.container(lang)
        if r.spans:
            item["source"] = " ".join(dict.fromkeys(s.file for s in r.spans))
    note = _note(r, lang)
    if note:
        item["note"] = note
    if r.checksum:
        item["custom"] = {"release": r.release, "checksum": r.checksum,
                          "spans": [{"file": s.file, "start": s.start, "end": s.end} for s in r.spans]}
    else:
        item["custom"] = {"spans": [{"file": s.file, "start": s.start, "end": s.end} for s in r.spans]}
    return [item]


def ris(r: Reference, lang: str = "en") -> str:
    """An RIS record: TY first, ER last, one 'XX  - value' line per tag (line breaks in values become spaces)."""
    clean = lambda v: re.sub(r"\s+", " ", v).strip()  # noqa: E731
    lines = [("TY", "GEN" if r.kind == "source" else "DATA")]
    lines += [("AU", clean(a)) for a in r.authors]
    lines.append(("TI", clean(r.title["zh"] if r.printed_title else r.title[lang])))
    lines.append(("T2", r.container(lang)))
    lines.append(("ET", r.version))
    lines.append(("UR", r.iri))
    lines.append(("LA", r.title_language(lang)))
    note = _note(r, lang)
    if note:
        lines.append(("N1", clean(note)))
    if r.checksum:
        lines.append(("M1", f"release {r.release}; SHA-256 {r.checksum}"))
    lines.append(("ER", ""))
    return "\r\n".join(f"{tag}  - {value}".rstrip() if tag == "ER" else f"{tag}  - {value}" for tag, value in lines) + "\r\n"


def render(r: Reference, fmt: str, lang: str = "en") -> str:
    if fmt == "text":
        return text(r, lang) + "\n"
    if fmt == "bibtex":
        return bibtex(r, lang)
    if fmt == "csl-json":
        return json.dumps(csl(r, lang), ensure_ascii=False, indent=1) + "\n"
    if fmt == "ris":
        return ris(r, lang)
    raise ValueError(f"unknown citation format {fmt!r}")


def filename(r: Reference, fmt: str) -> str:
    return f"{r.key}.{SUFFIXES[fmt]}"


def plain_text(cat: Catalog, iri: str, lang: str = "en", checksum: str | None = None) -> str:
    """The plain-text citation for a page's cite control ("" for an IRI that is not citable)."""
    from kg.export import dataset_version

    try:
        return text(reference(cat, iri, dataset_version(), checksum), lang)
    except UnknownIri:
        return ""


__all__ = ["FORMATS", "Reference", "UnknownIri", "reference", "render", "plain_text", "filename",
           "local_id"]
