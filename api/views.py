"""Turn catalog entities into response models (shared by the REST API and the pages)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

from kg.comparison import compare as run_comparison
from kg.namespaces import ZL

from .catalog import Adoption, Catalog, Evidence, Figure, Label, local_id
from .echo import echo
from .models import (ArticleModel, SubPlaceModel, AdopterModel, AdoptionModel, CategoryGroup, CompareModel, ComparableFigure, DocumentModel,
                     DocumentSummary, EvidenceModel, FigureModel, LabelModel, LocalityModel, LocalitySummary,
                     MechanismModel, MechanismSummary, NoteModel, Ref, SearchHit, SimilarityModel, ComparedConcept,
                     ConceptNames, LeftOut, PracticeVariants, UniqueConcept,
                     SourceModel, SourceSummary, SpanModel, TierChainModel, TierModel)


class NotFound(LookupError):
    """An id that names nothing in the graph."""


_ID = re.compile(r"^[A-Za-z0-9_-]{1,120}$")


def lab(label: Label) -> LabelModel:
    return _label_model(label.zh, label.en)


# Small value models recur thousands of times in one view (every adopter, figure and evidence
# span names its locality, category, mechanism): build each distinct one once. Response models
# are never mutated after construction, so sharing instances is safe.
@lru_cache(maxsize=65536)
def _label_model(zh: str, en: str) -> LabelModel:
    return LabelModel(zh=zh, en=en)


@lru_cache(maxsize=65536)
def _ref_model(iri: str, zh: str, en: str) -> Ref:
    return Ref(id=local_id(iri), iri=iri, label=_label_model(zh, en))


def reader_url(ev: Evidence) -> str:
    return f"/sources/{ev.source}#{ev.id}"


def evidence(cat: Catalog, iris: list[str]) -> list[EvidenceModel]:
    out = []
    for iri in iris:
        ev = cat.evidence[iri]
        out.append(EvidenceModel(id=ev.id, iri=ev.iri, source=ev.source, exact=ev.exact, start=ev.start, end=ev.end,
                                 reader=reader_url(ev), headline=cat.headline(ev.source, ev.start)))
    return out


def ref(cat: Catalog, iri: str) -> Ref:
    label = cat.label(iri)
    return _ref_model(iri, label.zh, label.en)


def figure(cat: Catalog, f: Figure) -> FigureModel:
    return FigureModel(id=f.id, iri=f.iri, label=lab(f.label), value=float(f.value) if f.value is not None else None,
                       value_text=f.value, min_value=f.min_value, max_value=f.max_value, unit=lab(f.unit),
                       printed=f.printed, qualifier=f.qualifier,
                       qualifier_label=lab(cat.label(str(ZL[f.qualifier]))), period=f.period,
                       adoption=local_id(f.adoption) if f.adoption else None, printed_unit=f.printed_unit,
                       denominator=lab(f.denominator) if f.denominator else None,
                       sub_places=[ref(cat, p) for p in f.sub_places], evidence=evidence(cat, f.evidence))


def adoption(cat: Catalog, a: Adoption) -> AdoptionModel:
    mech = cat.mechanisms[a.mechanism]
    return AdoptionModel(id=a.id, iri=a.iri, locality=ref(cat, a.locality), mechanism=ref(cat, a.mechanism),
                         category=ref(cat, mech.category), local_name=a.local_name, gloss=a.gloss, details=lab(a.details),
                         related_terms=a.related_terms, origin="RestatedPolicy" if a.restated else "LocalMechanism",
                         sub_places=[ref(cat, p) for p in a.sub_places], parts=[ref(cat, p) for p in a.parts],
                         figures=[figure(cat, cat.figures[f]) for f in a.figures], evidence=evidence(cat, a.evidence))


def get(cat: Catalog, kind: str, entity_id: str):
    """The entity of a kind by id; NotFound with a message naming the id otherwise."""
    if not _ID.match(entity_id or ""):
        raise NotFound(f"no {kind} with id {echo(entity_id)}: ids are letters, digits, '-' and '_'")
    found = cat.by_id[kind].get(entity_id)
    if found is None:
        raise NotFound(f"no {kind} with id {echo(entity_id)}; list them at /api/{kind if kind != 'locality' else 'localitie'}s")
    return found


def locality_summary(cat: Catalog, loc) -> LocalitySummary:
    return LocalitySummary(id=loc.id, iri=loc.iri, label=lab(loc.label), level=lab(loc.level), province=lab(loc.province),
                           parent_city=lab(loc.parent_city) if loc.parent_city else None,
                           adoption_count=len(loc.adoptions),
                           mechanism_count=len({cat.adoptions[a].mechanism for a in loc.adoptions}),
                           figure_count=len(loc.figures), adcode=loc.adcode, lat=loc.lat, lon=loc.lon)


def document_summary(cat: Catalog, d) -> DocumentSummary:
    return DocumentSummary(id=d.id, iri=d.iri, title=d.title, label=lab(d.label),
                           issued_by=[Ref(id=local_id(i), iri=i, label=lab(l)) for i, l in d.issued_by],
                           cited_by=[ref(cat, c) for c in d.cited_by], establishes=[ref(cat, m) for m in d.establishes])


def document(cat: Catalog, d) -> DocumentModel:
    return DocumentModel(**document_summary(cat, d).model_dump(), evidence=evidence(cat, d.evidence))


def note(cat: Catalog, n) -> NoteModel:
    return NoteModel(id=n.id, iri=n.iri, issue=lab(n.issue), locality=ref(cat, n.locality) if n.locality else None,
                     comment=n.comment, comments=_label_model(n.comment_zh, n.comment), evidence=evidence(cat, n.evidence))


def chain(cat: Catalog, c) -> TierChainModel:
    return TierChainModel(
        id=c.id, iri=c.iri, label=lab(c.label), kind=lab(c.kind) if c.kind else None, local_name=c.local_name,
        evidence=evidence(cat, c.evidence),
        tiers=[TierModel(rank=t.rank, local_name=t.local_name, label=lab(t.label), org_type=lab(t.org_type),
                         counts=[figure(cat, cat.figures[f]) for f in t.counts if f in cat.figures],
                         evidence=evidence(cat, t.evidence)) for t in c.tiers])


def locality(cat: Catalog, loc) -> LocalityModel:
    groups: dict[str, list] = {}
    for a_iri in loc.adoptions:
        a = cat.adoptions[a_iri]
        groups.setdefault(cat.mechanisms[a.mechanism].category, []).append(adoption(cat, a))
    ordered = sorted(groups.items(), key=lambda kv: cat.label(kv[0]).en)
    return LocalityModel(
        **locality_summary(cat, loc).model_dump(), sources=loc.sources,
        articles=[ArticleModel(id=a.id, iri=a.iri, source=a.source, start=a.start, end=a.end, headline=a.headline,
                               byline=a.byline, author=lab(a.author) if a.author else None,
                               author_role=lab(a.role) if a.role else None, evidence=evidence(cat, a.evidence))
                  for a in sorted(cat.articles.values(), key=lambda a: a.iri) if a.locality == loc.iri],
        sub_places=[SubPlaceModel(id=p.id, iri=p.iri, label=lab(p.label), kind=lab(p.kind), part_of=ref(cat, p.parent),
                                  evidence=evidence(cat, p.evidence))
                    for p in sorted(cat.sub_places.values(), key=lambda p: p.iri) if p.locality == loc.iri],
        mechanisms_by_category=[CategoryGroup(category=ref(cat, c), adoptions=items) for c, items in ordered],
        figures=[figure(cat, cat.figures[f]) for f in loc.figures],
        tier_chains=[chain(cat, cat.chains[c]) for c in loc.chains],
        documents=[document_summary(cat, cat.documents[d]) for d in loc.documents],
        layout_notes=[note(cat, cat.notes[n]) for n in loc.notes])


def subtree(cat: Catalog, m) -> list:
    """The concept and every concept below it: a practice's adopters include its programmes'."""
    out, todo = [], [m]
    while todo:
        node = todo.pop()
        out.append(node)
        todo.extend(cat.mechanisms[n] for n in node.narrower)
    return out


def mechanism_summary(cat: Catalog, m) -> MechanismSummary:
    return MechanismSummary(id=m.id, iri=m.iri, label=lab(m.label), category=ref(cat, m.category), parent=local_id(m.broader),
                            level="practice" if m.broader == m.category else "programme", alt_labels=m.alt_labels,
                            localities=len({cat.adoptions[a].locality for c in subtree(cat, m) for a in c.adoptions}))


def mechanism(cat: Catalog, m) -> MechanismModel:
    adopters = []
    every = [a for c in subtree(cat, m) for a in c.adoptions]
    for a_iri in sorted(every, key=lambda a: (cat.label(cat.adoptions[a].locality).en, a)):
        a = cat.adoptions[a_iri]
        adopters.append(AdopterModel(locality=ref(cat, a.locality), local_name=a.local_name, gloss=a.gloss, adoption=a.id,
                                     mechanism=ref(cat, a.mechanism), restated=a.restated,
                                     details=lab(a.details), evidence=evidence(cat, a.evidence)))
    docs = [ref(cat, d.iri) for d in sorted(cat.documents.values(), key=lambda d: d.iri) if m.iri in d.establishes]
    return MechanismModel(**mechanism_summary(cat, m).model_dump(), definition=m.definition, definitions=lab(m.definitions),
                          scope_note=lab(m.scope_note) if (m.scope_note.zh or m.scope_note.en) else None,
                          broader=ref(cat, m.broader), narrower=[ref(cat, n) for n in m.narrower],
                          related=[ref(cat, r) for r in m.related], excluded_from_comparison=m.excluded,
                          adopters=adopters, documents=docs)


def resolve_localities(cat: Catalog, names: list[str]) -> list[str]:
    """Locality IRIs from ids or zh/en names (case-insensitive)."""
    out = []
    for name in names:
        match = cat.locality_by_name.get(name.strip().lower(), [])
        if len(match) != 1:
            known = ", ".join(sorted(l.id for l in cat.localities.values()))
            raise NotFound(f"unknown locality {echo(name)}; known ids: {known}")
        out.append(match[0])
    return list(dict.fromkeys(out))


def compare(cat: Catalog, iris: list[str], include_restated: bool = False) -> CompareModel:
    """kg.comparison over the catalog, as response models with names in both languages."""
    locs = [{"iri": i, "id": local_id(i), "zh": cat.label(i).zh, "en": cat.label(i).en} for i in iris]
    out = run_comparison(cat.scheme, cat.uses, locs, include_restated)
    cref = lambda r: ref(cat, r["iri"])  # noqa: E731
    lid = local_id

    def concept_row(r: dict) -> ComparedConcept:
        return ComparedConcept(concept=cref(r["concept"]), category=cref(r["category"]), practice=cref(r["practice"]),
                               level=r["level"], localities=[lid(l) for l in r["localities"]],
                               local_names={lid(l): n for l, n in r["local_names"].items()})

    def left(rows: list[dict]) -> list[LeftOut]:
        return [LeftOut(locality=lid(r["locality"]), adoption=lid(r["adoption"]), local_name=r["local_name"],
                        concept=cref(r["concept"])) for r in rows]

    figures_by_measure: dict[tuple[str, str, str], dict[str, list]] = {}
    for iri in iris:
        for f_iri in cat.localities[iri].figures:
            f = cat.figures[f_iri]
            per = f.denominator.en if f.denominator else ""
            figures_by_measure.setdefault((f.label.en.lower(), f.unit.en, per), {}).setdefault(local_id(iri), []).append(f)
    comparable = [
        ComparableFigure(measure=m, unit=f"{u} {per}".strip(), values={k: [figure(cat, f) for f in v] for k, v in vals.items()})
        for (m, u, per), vals in sorted(figures_by_measure.items()) if len(vals) > 1
    ]
    return CompareModel(
        localities=[ref(cat, i) for i in iris],
        include_restated=include_restated,
        same_concept=[concept_row(r) for r in out["same_concept"]],
        shared_by_some=[concept_row(r) for r in out["shared_by_some"]],
        same_practice_different_programmes=[
            PracticeVariants(practice=cref(r["practice"]), category=cref(r["category"]),
                             localities=[lid(l) for l in r["localities"]],
                             concepts={lid(l): [ConceptNames(concept=cref(c), local_names=c["local_names"]) for c in cs]
                                       for l, cs in r["concepts"].items()})
            for r in out["same_practice_different_programmes"]],
        unique={lid(l): [UniqueConcept(concept=cref(r), local_names=r["local_names"],
                                       practice_shared_with=[lid(o) for o in r["practice_shared_with"]]) for r in rows]
                for l, rows in out["unique"].items()},
        comparable_figures=comparable,
        similarity=[SimilarityModel(a=lid(s["a"]), b=lid(s["b"]), level=s["level"], jaccard=s["jaccard"],
                                    shared=s["shared"], union=s["union"]) for s in out["similarity"]],
        left_out_restated=left(out["left_out"]["restated"]),
        not_compared_formulas=left(out["left_out"]["formulas"]))


def fold(text: str) -> str:
    """Case- and width-folded text for matching (full-width Latin and digits become ASCII)."""
    return unicodedata.normalize("NFKC", text).casefold()


class SearchIndex:
    """Label and substring search across localities, mechanisms, adoptions and documents.

    Folded names (and longer texts) are joined into two NUL-separated strings, so one
    C-level regex scan finds every field containing the query. Scores are worked out with
    numpy over the matches (a match at a field's start is a prefix match; a prefix match
    as long as the field is exact), so a query with ten thousand hits costs milliseconds;
    only the returned page becomes response models.
    """

    _BOOST = {"locality": 50, "mechanism": 40, "document": 20, "adoption": 0,  # thousandths, like the scores
              "figure": 0, "quote": 0}
    _EXACT, _PREFIX, _CONTAINS, _TEXT = 1000, 800, 600, 300

    def __init__(self, cat: Catalog, everything: bool = False):
        """`everything` adds figures and evidence quotes (the site search page groups them); the REST
        search and its suggestions keep the four named kinds."""
        self.entries: list[tuple] = []
        self._names: list[tuple[int, str, str]] = []  # (entry, original, folded); an entry's fields are contiguous
        self._texts: list[tuple[int, str, str]] = []
        for l in cat.localities.values():
            self._add("locality", l.id, l.iri, l.label, [l.label.zh, l.label.en], f"/localities/{l.id}")
        for m in cat.mechanisms.values():
            self._add("mechanism", m.id, m.iri, m.label, [m.label.zh, m.label.en, *m.alt_labels], f"/mechanisms/{m.id}",
                      [m.definition])
        for a in cat.adoptions.values():
            self._add("adoption", a.id, a.iri, Label(a.local_name, a.gloss), [a.local_name, a.gloss, *a.related_terms],
                      f"/localities/{local_id(a.locality)}#{a.id}", [a.details.zh, a.details.en])
        for d in cat.documents.values():
            self._add("document", d.id, d.iri, d.label, [d.title, d.label.zh, d.label.en], f"/documents/{d.id}")
        if everything:
            for f in cat.figures.values():
                self._add("figure", f.id, f.iri, f.label, [f.label.zh, f.label.en, f.printed],
                          f"/localities/{local_id(f.locality)}#{f.id}")
            for e in cat.evidence.values():
                self._add("quote", e.id, e.iri, Label(e.exact, e.exact), [], f"/sources/{e.source}#{e.id}", [e.exact])
        self._name_hay, self._name_starts = self._haystack(self._names)
        self._text_hay, self._text_starts = self._haystack(self._texts)
        self._name_entry = np.array([f[0] for f in self._names], dtype=np.int64)
        self._name_len = np.array([len(f[2]) for f in self._names], dtype=np.int64)
        self._text_entry = np.array([f[0] for f in self._texts], dtype=np.int64)
        self._boost = np.array([self._BOOST[e[0]] for e in self.entries], dtype=np.int64)
        order = sorted(range(len(self.entries)), key=lambda e: (self.entries[e][0], self.entries[e][1]))
        self._tiebreak = np.empty(len(self.entries), dtype=np.int64)
        self._tiebreak[order] = np.arange(len(self.entries))
        self._fields_of: dict[int, tuple[list[int], list[int]]] = {}
        for i, (entry, _, _) in enumerate(self._names):
            self._fields_of.setdefault(entry, ([], []))[0].append(i)
        for i, (entry, _, _) in enumerate(self._texts):
            self._fields_of.setdefault(entry, ([], []))[1].append(i)

    def _add(self, kind, id_, iri, label, names, url, texts=()):
        index = len(self.entries)
        self.entries.append((kind, id_, iri, label, url))
        self._names += [(index, n, fold(n).replace("\x00", "")) for n in names if n]
        self._texts += [(index, t, fold(t).replace("\x00", "")) for t in texts if t]

    @staticmethod
    def _haystack(fields: list[tuple[int, str, str]]) -> tuple[str, np.ndarray]:
        starts, position = [], 0
        for _, _, folded in fields:
            starts.append(position)
            position += len(folded) + 1
        return "\x00".join(f[2] for f in fields), np.array(starts, dtype=np.int64)

    @staticmethod
    def _matches(pattern: re.Pattern, hay: str, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start of every (leftmost, non-overlapping) match and the field it falls in."""
        positions = np.fromiter((m.start() for m in pattern.finditer(hay)), dtype=np.int64)
        return positions, np.searchsorted(starts, positions, side="right") - 1

    def _name_score(self, field: int, q: str) -> int:
        folded = self._names[field][2]
        return self._EXACT if folded == q else self._PREFIX if folded.startswith(q) else self._CONTAINS if q in folded else 0

    def search(self, query: str, limit: int = 50) -> tuple[list[SearchHit], int]:
        q = fold(query.strip()).replace("\x00", "")
        if not q:
            return [], 0
        pattern = re.compile(re.escape(q))
        best = np.zeros(len(self.entries), dtype=np.int64)
        positions, fields = self._matches(pattern, self._name_hay, self._name_starts)
        if len(fields):
            prefix = positions == self._name_starts[fields]
            exact = prefix & (self._name_len[fields] == len(q))
            scores = np.where(exact, self._EXACT, np.where(prefix, self._PREFIX, self._CONTAINS))
            np.maximum.at(best, self._name_entry[fields], scores)
        _, text_fields = self._matches(pattern, self._text_hay, self._text_starts)
        if len(text_fields):
            entries = self._text_entry[text_fields]
            best[entries[best[entries] == 0]] = self._TEXT
        found = np.nonzero(best)[0]
        final = best[found] + self._boost[found]
        top = found[np.lexsort((self._tiebreak[found], -final))[:limit]]
        hits = []
        for entry in top.tolist():
            kind, id_, iri, label, url = self.entries[entry]
            names, texts = self._fields_of[entry]
            if best[entry] > self._TEXT:
                field = max(names, key=lambda f: (self._name_score(f, q), -f))  # first field with the best score
                matched = self._names[field][1]
            else:
                matched = next(self._texts[f][1] for f in texts if q in self._texts[f][2])
            score = (int(best[entry]) + self._BOOST[kind]) / 1000
            hits.append(SearchHit(kind=kind, id=id_, iri=iri, label=lab(label), matched=matched, score=score, url=url))
        return hits, len(found)


def source_summary(cat: Catalog, s) -> SourceSummary:
    return SourceSummary(id=s.id, iri=s.iri, identifier=s.identifier, label=lab(s.label), headlines=s.headlines,
                         bylines=s.bylines, sha256=s.sha256, covers=[ref(cat, c) for c in s.covers],
                         characters=len(s.text), evidence_spans=len(s.evidence))


def source(cat: Catalog, s) -> SourceModel:
    spans = [SpanModel(evidence=evidence(cat, [e])[0], supports=[ref(cat, b) for b in cat.evidence[e].bodies])
             for e in s.evidence]
    return SourceModel(**source_summary(cat, s).model_dump(), text=s.text, spans=spans)
