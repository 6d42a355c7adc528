"""Synthetic data folders in the Zhili model, for scale benchmarks.

    .venv/bin/python bench/synthetic.py --localities N --out DIR [--seed S] [--fraction F] [--validate]

writes DIR shaped like kg/data/ (DIR/*.ttl, DIR/localities/*.ttl); the ontology, the
mechanism scheme and seeds/manifest.ttl always come from the repository, so
`kg validate --data DIR` checks it like the real data. From Python:
`generate(n_localities, out, seed=0) -> dict` (counts) and `validate_sharded(out)`.

What N means
------------
* N = 7 is the real graph: DIR is a plain copy of kg/data (a harness may just as well
  point at kg/data itself; the triples are identical).
* N > 7 is the real graph plus N - 7 synthetic localities loc:synth-0001 …, one file
  each, DIR/localities/synth-NNNN.ttl (one named graph per file, like the real ones).
  The real localities stay in because the shared files need them (documents.ttl cites
  them, every mechanism of the scheme must be adopted somewhere, see
  ontology/qc/concept-unused-violation.rq); N < 7 is refused for the same reason.

How a synthetic locality is made
--------------------------------
Synthetic locality i is modelled on real locality (i - 1) mod 7 (file-name order:
jinchang, jinyuan, jiuquan, lanzhou, qingtongxia, tonghua-county, zhushan). It is a
renamed *subsample* of that model's curated facts, drawn with a per-locality RNG seeded
from (--seed, i), so the output is byte-for-byte deterministic:

* adoptions: each adoption of the model is kept with probability `fraction`, so the
  synthetic adoptions follow the real mechanism spread: a mechanism's expected share of
  synthetic adoptions equals its share of the real ones (popular mechanisms, curated in
  several real localities, are adopted often; rare ones rarely). At least one adoption
  is always kept (QC locality-without-adoption). A kept adoption brings the figures that
  belong to it.
* figures not tied to an adoption, tier chains (with all their tiers and the figures
  their tiers count) and policy documents are kept with probability `fraction`. A kept
  document that zl:establishes a mechanism and is issued by the locality brings the
  model's adoption(s) of that mechanism (QC document-establishes-unadopted).
  Everything a kept node refers to is kept (no dangling references).
* evidence: every oa:Annotation of the model whose body is kept is copied with the same
  oa:hasSource, the same oa:exact and the same oa:start/oa:end, i.e. it still quotes the
  real seed at the real offsets (check_provenance and check_verbatim pass because the
  text really is there). Only the bodies that were kept stay on it.
* layout notes are not copied: they describe the printed page of the seed (a caption,
  a duplicated passage) and one of them is about another real locality; they are facts
  about the source, not about a locality, and the replica has no page of its own.
* articles and their authors are not copied either (they describe the printed page).
  Sub-places come along with the facts that name them, renamed like the facts; a kept
  adoption whose name prints a ladder brings its tier chain (QC ladder-without-chain).
* renaming: loc:<model> -> loc:synth-NNNN, place:<model>-slug -> place:synth-NNNN-slug, ad:/fig:/tier:/doc:<model>-slug ->
  ad:/fig:/tier:/doc:synth-NNNN-slug, ev:sNNN-START-END -> ev:synth-NNNN-sNNN-START-END
  (so no two files share a subject and files stay independent). Verbatim fields
  (zl:localName, zl:relatedTerm, zl:printedValue, dcterms:title, oa:exact) are never
  touched. In rdfs:label the model's own name is replaced by the synthetic name
  (金昌市 -> 合成地区 0001, Jinchang -> Synthetic locality 0001); policy-document labels
  get the synthetic name appended when they do not already carry it, because the
  duplicate-label QC requires unique document labels. zl:details / zl:gloss /
  rdfs:comment are the model's text unchanged (they paraphrase the quoted sentence,
  which names the model).
* the locality: rdfs:label "合成地区 NNNN"@zh, "Synthetic locality NNNN"@en (unique, no
  CJK in English), the model's zl:adminLevel, zl:province and zl:parentCity, the
  model's zl:describedIn seed, an rdfs:comment saying it is synthetic and what it was
  made from, and the model's locality annotation re-bodied to the synthetic locality.

Why the seed "covers" a synthetic locality (and why that is honest)
-------------------------------------------------------------------
QC evidence-source-mismatch requires `?seed zl:covers ?loc` for every fact whose
evidence comes from ?seed. seeds/manifest.ttl is not edited. Instead each synthetic
file states `seed:<model seed> zl:covers loc:synth-NNNN` next to the locality's
`loc:synth-NNNN zl:describedIn seed:<model seed>`. The SHACL LocalityShape requires
zl:describedIn anyway, and the ontology declares zl:covers owl:inverseOf zl:describedIn,
so the covers triple is exactly the entailment of a triple we must state; QC runs
without inference, hence it is written out. It is true by construction: every fact of
the synthetic locality is, word for word, a fact the seed prints (about the model), and
nothing else. The triple lives in the synthetic file's own named graph
(graph/localities/synth-NNNN), so dropping the synthetic files drops it too.

Size
----
The real graph is 13,469 triples (as `kg validate` counts them), ~12,100 of them in
kg/data, ~1,700 per locality file. Full-size replicas (--fraction 1) would therefore give
~5 million triples at N = 3000, not one million (one million is reached at N ~ 600).
The default fraction 0.18 makes N = 3000 come to ~1.07 million triples: ~350 triples per
synthetic locality, about a fifth of a real one (on average 8.4 adoptions, 5.3 figures,
0.6 policy documents, 0.17 tier chains, 16.4 annotations). N = 300 gives ~114,000.

Output is canonical (check_format passes without running `kg fmt`). Building an rdflib
Graph per locality and running kg.turtle.serialize (`synthetic_text_slow`) takes ~80 s at
N = 3000, three quarters of it in serialization; so the writer (`synthetic_text`)
serializes each model's full template locality once with kg.turtle.serialize and then
assembles every subsample from those canonical blocks (see the comment above
`template`): ~5 s at N = 3000, ~3 s at N = 300 (~2 s of either is parsing the models),
byte-identical to the slow path (tested).

Validation at scale
-------------------
Full `kg validate --data DIR` works at N = 3000 (~1.07 M triples) but needs ~7-8 min and
2.5 GiB (pySHACL over one rdflib graph; at N = 300: ~23 s, 320 MiB).
`validate_sharded(out, shard_size=300)` takes ~4.5 min and ~850 MiB at N = 3000: it runs kg.validate.validate (all four checks) on temporary data
folders each holding the shared files, the 7 real localities and one shard of synthetic
files (symlinks), then the cross-file checks over the union. This equals validating the
union because synthetic localities are independent of each other: every IRI a file
mints contains its own synth-NNNN, and it points only at its own nodes and at shared
nodes (mechanisms, organisation types, places, seeds), which every shard holds. So
every SHACL focus node, provenance row and QC match lies within one synthetic file plus
shared files, except for
* queries that only ask that something exists (FILTER NOT EXISTS: unused concepts,
  dangling references, localities without adoption, evidence-source mismatch, ...):
  adding the other shards can only satisfy them more, never less;
* the seeds, the one shared subject synthetic files add to (zl:covers): each covers
  value is checked on its own and its locality is typed in the same file;
* duplicate labels, which compare nodes of different files: every QC query runs again
  over the union (all of them are linear; the whole pass takes seconds at N = 3000).
The independence itself is verified (no synthetic file may mention another synth-NNNN).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg.dataset import curated_files, dataset_files, load_rdflib
from kg.namespaces import AD, AGENT, ART, DOC, EV, FIG, LOC, NOTE, OA, PLACE, PREFIXES, SEED, TIER, ZL
from kg.paths import DATA, LOCALITIES, MANIFEST
from kg.turtle import qname, serialize

DEFAULT_FRACTION = 0.18
MARKER = "synthetic.json"  # written into every generated folder; lets a rerun replace it
_SID = "\ue000"  # placeholder for synth-NNNN in templates (private-use code point)
_NUM = "\ue001"  # placeholder for NNNN
_LOCAL_NS = (str(AD), str(FIG), str(TIER), str(DOC), str(NOTE), str(PLACE))


def synth_id(number: int) -> str:
    return f"synth-{number:04d}"


# ---------------------------------------------------------------- models


@dataclass(eq=False)
class Model:
    """One real locality file, decomposed into keepable units and templated triples."""

    ident: str
    path: Path
    locality: URIRef
    label_zh: str
    label_en: str
    seeds: list[URIRef]
    adoptions: list[URIRef] = field(default_factory=list)
    loose_figures: list[URIRef] = field(default_factory=list)
    chains: list[URIRef] = field(default_factory=list)
    documents: list[URIRef] = field(default_factory=list)
    closure: dict[URIRef, frozenset] = field(default_factory=dict)
    closure_all: frozenset = frozenset()  # every keepable node (the locality included)
    # templated triples per subject: (s, p, o) with _SID/_NUM placeholders in terms
    templates: dict[URIRef, list[tuple]] = field(default_factory=dict)
    # annotation -> (its bodies, templated triples of annotation/target/selectors minus hasBody)
    annotations: list[tuple[URIRef, tuple, list[tuple]]] = field(default_factory=list)
    locality_triples: list[tuple] = field(default_factory=list)


def _is_local(node, model_ident: str) -> bool:
    s = str(node)
    return isinstance(node, URIRef) and any(s.startswith(ns + model_ident + "-") for ns in _LOCAL_NS)


def _template_iri(node: URIRef, model: Model) -> URIRef | str:
    s = str(node)
    if s == str(model.locality):
        return "u:" + str(LOC) + _SID
    for ns in _LOCAL_NS:
        if s.startswith(ns + model.ident + "-"):
            return "u:" + ns + _SID + s[len(ns) + len(model.ident):]
    if s.startswith(str(EV)):
        return "u:" + str(EV) + _SID + "-" + s[len(EV):]
    return node


def _template_label(lit: Literal, model: Model, is_document: bool) -> Literal | tuple:
    text = str(lit)
    if lit.language == "zh":
        new = text.replace(model.label_zh, "合成地区 " + _NUM)
        if is_document and _NUM not in new:
            new += "（合成地区 " + _NUM + "）"
    elif lit.language == "en":
        new = text.replace(model.label_en, "Synthetic locality " + _NUM)
        short = model.label_en.split()[0]
        new = new.replace(short, "Synthetic locality " + _NUM)
        if is_document and _NUM not in new:
            new += " (Synthetic locality " + _NUM + ")"
    else:
        return lit
    return lit if new == text else ("l", new, lit.language)


def _instantiate(term, sid: str, num: str):
    if isinstance(term, str) and term.startswith("u:"):
        return URIRef(term[2:].replace(_SID, sid))
    if isinstance(term, tuple):
        return Literal(term[1].replace(_NUM, num), lang=term[2])
    return term


@lru_cache(maxsize=1)
def load_models() -> tuple[Model, ...]:
    """The 7 real locality files as sampling models (parsed once per process)."""
    manifest = Graph().parse(MANIFEST, format="turtle")
    graphs = {p: Graph().parse(p, format="turtle") for p in sorted(LOCALITIES.glob("*.ttl"))}
    models = []
    for path, graph in graphs.items():
        loc = next(iter(graph.subjects(RDF.type, ZL.Locality)))
        labels = {lit.language: str(lit) for lit in graph.objects(loc, RDFS.label)}
        seeds = sorted(graph.objects(loc, ZL.describedIn))
        covering = sorted(manifest.subjects(ZL.covers, loc))
        if seeds != covering:
            raise ValueError(f"{path}: zl:describedIn {seeds} differs from the manifest's zl:covers {covering}")
        model = Model(path.stem, path, loc, labels["zh"], labels["en"], seeds)
        typed = lambda cls: sorted(graph.subjects(RDF.type, cls))  # noqa: E731
        model.adoptions = typed(ZL.Adoption)
        figures = typed(ZL.Figure)
        model.loose_figures = [f for f in figures if graph.value(f, ZL.adoption) is None]
        model.chains = typed(ZL.TierChain)
        model.documents = typed(ZL.PolicyDocument)
        for entity in model.adoptions + figures + model.chains + model.documents:
            if not _is_local(entity, model.ident):
                raise ValueError(f"{entity} is not named {model.ident}-…: cannot rename it")

        # what must come along with each node
        edges: dict[URIRef, set] = defaultdict(set)
        for s, o in graph.subject_objects():
            if _is_local(s, model.ident) and _is_local(o, model.ident) and not str(o).startswith(str(NOTE)):
                edges[s].add(o)
        for fig in figures:
            adoption = graph.value(fig, ZL.adoption)
            if adoption is not None:
                edges[adoption].add(fig)
        # a ladder printed in an adoption's name comes with its tier chain (QC ladder-without-chain)
        chain_names = {c: str(graph.value(c, ZL.localName) or "") for c in model.chains}
        for adoption in model.adoptions:
            names = [str(n) for p in (ZL.localName, ZL.relatedTerm) for n in graph.objects(adoption, p)]
            for chain, cname in chain_names.items():
                if cname and any("—" in n and (cname in n or n in cname) for n in names):
                    edges[adoption].add(chain)
        for doc in model.documents:
            if (doc, ZL.issuedBy, loc) in graph:
                for mech in graph.objects(doc, ZL.establishes):
                    edges[doc] |= set(graph.subjects(ZL.mechanism, mech)) & set(model.adoptions)
        for start in model.adoptions + model.loose_figures + model.chains + model.documents:
            seen, todo = {start}, [start]
            while todo:
                for nxt in edges.get(todo.pop(), ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            model.closure[start] = frozenset(seen)
        model.closure_all = frozenset({loc}.union(*model.closure.values()))

        # templated triples of every keepable subject
        documents = set(model.documents)
        for s in set(graph.subjects()):
            if not _is_local(s, model.ident) or str(s).startswith(str(NOTE)):
                continue
            rows = []
            for p, o in graph.predicate_objects(s):
                if p == RDFS.label and isinstance(o, Literal):
                    o = _template_label(o, model, s in documents)
                rows.append((_template_iri(s, model), p, _template_iri(o, model) if isinstance(o, URIRef) else o))
            model.templates[s] = rows
        for ann in sorted(graph.subjects(RDF.type, OA.Annotation)):
            bodies = tuple(sorted(graph.objects(ann, OA.hasBody)))
            rows = [(_template_iri(ann, model), p, _template_iri(o, model))
                    for p, o in graph.predicate_objects(ann) if p != OA.hasBody]
            target = graph.value(ann, OA.hasTarget)
            parts = [target] + sorted(graph.objects(target, OA.hasSelector))
            for part in parts:
                rows += [(_template_iri(part, model), p, _template_iri(o, model) if isinstance(o, URIRef) else o)
                         for p, o in graph.predicate_objects(part)]
            model.annotations.append((ann, bodies, rows))
        # the locality node itself (labels are replaced; adminLevel/province/parentCity/describedIn kept)
        for p, o in graph.predicate_objects(loc):
            if p != RDFS.label:
                model.locality_triples.append((_template_iri(loc, model), p, o))
        # articles and their authors describe the printed page, like layout notes: not copied
        handled = {loc} | set(model.templates) | {s for s in graph.subjects()
                                                  if str(s).startswith((str(EV), str(NOTE), str(ART), str(AGENT)))}
        if set(graph.subjects()) - handled:
            raise ValueError(f"{path}: subjects the generator does not know how to copy: "
                             f"{sorted(set(graph.subjects()) - handled)[:3]}")
        models.append(model)
    return tuple(models)


# ---------------------------------------------------------------- one synthetic locality


@dataclass(frozen=True)
class Selection:
    """What synthetic locality `number` keeps of its model."""

    number: int
    kept: frozenset  # the model's entities kept (its IRIs, before renaming), the locality included
    live: dict  # annotation -> the kept bodies it keeps (annotations with none are dropped)

    @property
    def sid(self) -> str:
        return synth_id(self.number)

    @property
    def num(self) -> str:
        return f"{self.number:04d}"


def select(model: Model, number: int, seed: int, fraction: float) -> Selection:
    """Draw the subsample for synthetic locality `number` (its own RNG, seeded from seed and number)."""
    rng = random.Random(f"zhili-synthetic/{seed}/{number}")
    chosen = [a for a in model.adoptions if rng.random() < fraction]
    if not chosen:
        chosen = [rng.choice(model.adoptions)]
    for pool in (model.loose_figures, model.chains, model.documents):
        chosen += [x for x in pool if rng.random() < fraction]
    kept = {model.locality}
    for x in chosen:
        kept |= model.closure[x]
    live = {ann: tuple(b for b in bodies if b in kept) for ann, bodies, _ in model.annotations}
    return Selection(number, frozenset(kept), live)


def _locality_rows(model: Model) -> list[tuple]:
    """Templated triples of the synthetic locality node and of the seed's zl:covers it."""
    loc = "u:" + str(LOC) + _SID
    rows = [
        (loc, RDFS.label, ("l", "合成地区 " + _NUM, "zh")),
        (loc, RDFS.label, ("l", "Synthetic locality " + _NUM, "en")),
        (loc, RDFS.comment, Literal(
            f"Synthetic benchmark locality, not a real place: a renamed subsample of the curated facts of "
            f"{model.label_en} (kg/data/localities/{model.ident}.ttl), made by bench/synthetic.py. Every fact "
            f"quotes the seed that describes {model.label_en}, at the real offsets; that is why the seed is "
            f"recorded as describing (and covering) this locality.", lang="en")),
    ]
    rows += model.locality_triples
    rows += [(seed_iri, ZL.covers, loc) for seed_iri in model.seeds]
    return rows


def _rows(model: Model, selection: Selection):
    """Templated triples of a selection, grouped by subject: (kind, key, rows)."""
    yield "locality", None, _locality_rows(model)
    for subject in sorted(selection.kept):
        if subject != model.locality:
            yield "entity", subject, model.templates[subject]
    for ann, bodies, rows in model.annotations:
        live = selection.live[ann]
        if live:
            yield "annotation", ann, rows + [(_template_iri(ann, model), OA.hasBody, _template_iri(b, model)) for b in live]


def synthetic_graph(model: Model, selection: Selection) -> Graph:
    """The graph of one synthetic locality (the reference the fast writer is tested against)."""
    graph = Graph()
    sid, num = selection.sid, selection.num
    for _, _, rows in _rows(model, selection):
        for s, p, o in rows:
            graph.add((_instantiate(s, sid, num), p, _instantiate(o, sid, num)))
    return graph


def header(model: Model, number: int, seed: int) -> str:
    seeds = ", ".join(f"seeds/{str(s)[len(SEED):]}.txt" for s in model.seeds)
    return (
        f"合成地区 {number:04d} Synthetic locality {number:04d}: SYNTHETIC benchmark data, not a real place.\n"
        f"Generated by bench/synthetic.py (seed {seed}) from {model.label_zh} {model.label_en}\n"
        f"(kg/data/localities/{model.ident}.ttl); evidence quotes {seeds} at the real offsets."
    )


def synthetic_text_slow(model: Model, selection: Selection, seed: int) -> str:
    """The canonical file text the slow way: build the graph, run kg.turtle.serialize."""
    return serialize(synthetic_graph(model, selection), header(model, selection.number, seed))


# ------------------------------------------------ fast writer: canonical blocks of a template locality
#
# kg.turtle.serialize writes one block per subject, and a block depends only on that
# subject's triples; subjects are sorted by a key of the subject alone; the @prefix lines
# are those used in the body. So the file of any subsample is the subsample of the blocks
# of the full template locality (rendered once per model with the placeholder synth-0000,
# which sorts exactly like any synth-NNNN since every subject of a file carries the same
# number), in the template's order, with the union of their prefixes; then the
# placeholder is replaced. Annotations that keep only some of their bodies get their
# block rendered (and cached) for that subset. The blocks and their order come from
# kg.turtle.serialize itself; tests/test_synthetic.py checks the result against
# synthetic_text_slow and `kg validate` checks canonical form.

_PLACEHOLDER_SID, _PLACEHOLDER_NUM = synth_id(0), "0000"
_PREFIX_LINE = re.compile(r"^@prefix ([A-Za-z]+): <[^>]*> \.$")


def _render(rows: list[tuple]) -> tuple[str, frozenset, int]:
    """(block text, prefixes it uses, triple count) of one subject, via kg.turtle.serialize."""
    graph = Graph()
    for s, p, o in rows:
        graph.add((_instantiate(s, _PLACEHOLDER_SID, _PLACEHOLDER_NUM), p,
                   _instantiate(o, _PLACEHOLDER_SID, _PLACEHOLDER_NUM)))
    text = serialize(graph)
    head, _, block = text.partition("\n\n")
    if block.count(" .\n") < 1 or len(set(graph.subjects())) != 1:
        raise ValueError("expected exactly one subject block")
    prefixes = frozenset(m.group(1) for m in map(_PREFIX_LINE.match, head.splitlines()) if m)
    return block, prefixes, len(graph)


@dataclass
class Template:
    """The canonical blocks of a model's full template locality, in canonical order."""

    blocks: list[tuple]  # (kind, key, text, prefixes, triples, class name, templated rows)
    prefix_lines: dict[str, str]
    subset_cache: dict = field(default_factory=dict)


_COUNTED = {ZL.Adoption: "adoptions", ZL.Figure: "figures", ZL.TierChain: "tier_chains", ZL.Tier: "tiers",
            ZL.PolicyDocument: "documents", OA.Annotation: "annotations"}


@lru_cache(maxsize=None)
def template(model: Model) -> Template:
    everything = Selection(0, model.closure_all, {ann: tuple(b for b in bodies if b in model.closure_all)
                                                   for ann, bodies, _ in model.annotations})
    by_qname, prefix_lines = {}, {}
    for kind, key, rows in _rows(model, everything):
        subjects = defaultdict(list)
        for row in rows:
            subjects[row[0]].append(row)
        for subject, subject_rows in subjects.items():
            block, prefixes, triples = _render(subject_rows)
            iri = _instantiate(subject, _PLACEHOLDER_SID, _PLACEHOLDER_NUM)
            cls = next((_COUNTED[o] for _, p, o in subject_rows if p == RDF.type and o in _COUNTED), None)
            # an annotation's own block changes with its bodies; its target and selectors do not
            part = kind if kind != "annotation" else "annotation" if cls == "annotations" else "annotation-part"
            by_qname[qname(str(iri))] = (part, key, block, prefixes, triples, cls, subject_rows)
    # the canonical order, from serializing the whole template once
    full = Graph()
    for _, _, rows in _rows(model, everything):
        for s, p, o in rows:
            full.add((_instantiate(s, _PLACEHOLDER_SID, _PLACEHOLDER_NUM), p,
                      _instantiate(o, _PLACEHOLDER_SID, _PLACEHOLDER_NUM)))
    text = serialize(full)
    head, _, body = text.partition("\n\n")
    for line in head.splitlines():
        match = _PREFIX_LINE.match(line)
        if match:
            prefix_lines[match.group(1)] = line + "\n"
    pieces = [p.rstrip("\n") + "\n" for p in body.split("\n\n")]
    blocks = []
    for piece in pieces:
        entry = by_qname.pop(piece.split(" ", 1)[0])
        if entry[2] != piece:
            raise ValueError("a block of the template differs from its stand-alone rendering")
        blocks.append(entry)
    if by_qname:
        raise ValueError(f"blocks missing from the template serialization: {sorted(by_qname)[:3]}")
    leaks = real_iri_leaks(full, load_models())
    if leaks:
        raise AssertionError(f"template of {model.ident} uses real IRIs: {leaks[:5]}")
    return Template(blocks, prefix_lines)


def synthetic_text(model: Model, selection: Selection, seed: int) -> tuple[str, dict]:
    """The canonical file text of a selection (fast), and its counts."""
    tpl = template(model)
    texts, used = [], set()
    counts = defaultdict(int)
    full_bodies = {ann: bodies for ann, bodies, _ in model.annotations}
    for kind, key, block, prefixes, triples, cls, rows in tpl.blocks:
        if kind == "entity" and key not in selection.kept:
            continue
        if kind == "annotation-part" and not selection.live[key]:
            continue
        if kind == "annotation":
            live = selection.live[key]
            if not live:
                continue
            if live != tuple(b for b in full_bodies[key] if b in model.closure_all):
                if (key, live) not in tpl.subset_cache:
                    own = [r for r in rows if r[1] != OA.hasBody]
                    own += [(_template_iri(key, model), OA.hasBody, _template_iri(b, model)) for b in live]
                    tpl.subset_cache[(key, live)] = _render(own)
                block, prefixes, triples = tpl.subset_cache[(key, live)]
        texts.append(block)
        used |= prefixes
        counts["triples"] += triples
        if cls:
            counts[cls] += 1
    prefix_block = "".join(tpl.prefix_lines[p] for p in PREFIXES if p in used)
    head = "".join(f"# {line}\n" for line in header(model, selection.number, seed).splitlines())
    text = head + "\n" + prefix_block + "\n" + "\n".join(texts)
    text = (text.replace(_PLACEHOLDER_SID, selection.sid)
            .replace("合成地区 " + _PLACEHOLDER_NUM, "合成地区 " + selection.num)
            .replace("Synthetic locality " + _PLACEHOLDER_NUM, "Synthetic locality " + selection.num))
    return text, counts


def real_iri_leaks(graph: Graph, models: tuple[Model, ...]) -> list[str]:
    """IRIs of the real localities' own nodes used in a synthetic graph (must be none)."""
    real_locs = {str(m.locality) for m in models}
    prefixes = tuple(ns + m.ident + "-" for m in models for ns in _LOCAL_NS)
    real_evidence = re.compile(re.escape(str(EV)) + r"s[0-9]{3}-")  # ev:sNNN-…, not ev:synth-NNNN-…
    found = set()
    for triple in graph:
        for node in triple:
            if isinstance(node, URIRef) and (
                str(node) in real_locs or str(node).startswith(prefixes) or real_evidence.match(str(node))
            ):
                found.add(str(node))
    return sorted(found)


# ---------------------------------------------------------------- the folder


def _prepare(out: Path) -> None:
    out = Path(out)
    if out.resolve() == DATA.resolve() or DATA.resolve() in out.resolve().parents:
        raise ValueError("refusing to write into kg/data")
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise ValueError(f"{out} is not empty and was not made by bench/synthetic.py ({MARKER} missing)")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=1)
def _real_triples() -> int:
    """Triples of the real dataset as `kg validate` counts them (union of ontology, scheme, manifest, kg/data)."""
    return len(load_rdflib(dataset_files(DATA)))


def generate(n_localities: int, out: Path, seed: int = 0, fraction: float = DEFAULT_FRACTION) -> dict:
    """Write the data folder `out` with n_localities localities (7 real + n - 7 synthetic); return counts."""
    started = time.perf_counter()
    if n_localities < 7:
        raise ValueError("N must be at least 7: the shared files need the 7 real localities")
    out = Path(out)
    _prepare(out)
    shutil.copytree(DATA, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    counts = defaultdict(int)
    models = load_models() if n_localities > 7 else ()
    for number in range(1, n_localities - 7 + 1):
        model = models[(number - 1) % len(models)]
        text, file_counts = synthetic_text(model, select(model, number, seed, fraction), seed)
        (out / "localities" / f"{synth_id(number)}.ttl").write_text(text, encoding="utf-8")
        for key, value in file_counts.items():
            counts[key] += value
    result = {
        "localities": n_localities,
        "real_localities": 7,
        "synthetic_localities": n_localities - 7,
        "seed": seed,
        "fraction": fraction,
        "files": len(curated_files(out)),
        # synthetic files share no triple with each other or with the real files
        "triples": _real_triples() + counts["triples"],
        "synthetic_triples": counts["triples"],
        **{name: counts[name] for name in _COUNTED.values()},
    }
    (out / MARKER).write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


# ---------------------------------------------------------------- validation in shards


def validate_sharded(out: Path, shard_size: int = 300, log=None) -> dict:
    """kg.validate.validate over shards (shared + real files + shard_size synthetic files), then the
    cross-file checks over the union: no synthetic file names another, and every QC query again
    (duplicate labels compare nodes of different files)."""
    from kg.store import build_store
    from kg.validate import Violation, check_qc, validate

    started = time.perf_counter()
    out = Path(out).resolve()
    synthetic = sorted((out / "localities").glob("synth-*.ttl"))
    real = sorted(p for p in (out / "localities").glob("*.ttl") if p not in synthetic)
    shared = sorted(out.glob("*.ttl"))
    shards = [synthetic[i:i + shard_size] for i in range(0, len(synthetic), shard_size)] or [[]]
    violations: set = set()
    shard_seconds = []
    for index, shard in enumerate(shards, 1):
        with tempfile.TemporaryDirectory(prefix="zhili-shard-") as tmp:
            tmp = Path(tmp)
            (tmp / "localities").mkdir()
            for path in shared:
                os.symlink(path, tmp / path.name)
            for path in real + shard:
                os.symlink(path, tmp / "localities" / path.name)
            report = validate(tmp)
            for v in report.violations:  # name the real file, not the symlink
                violations.add(Violation(v.check, v.rule, v.node.replace(str(tmp), str(out)), v.message))
        shard_seconds.append(report.seconds)
        if log:
            log(f"shard {index}/{len(shards)}: {len(shard)} files, {report.triples} triples, "
                f"{len(report.violations)} violation(s), {report.seconds:.1f} s")
        del report  # free this shard's store and graph before the next is built
        gc.collect()
    # the independence the sharding relies on: a synthetic file names no other synthetic locality's nodes
    for path in synthetic:
        others = set(re.findall(r"\bsynth-([0-9]+)", path.read_text(encoding="utf-8"))) - {path.stem.split("-", 1)[1]}
        if others:
            violations.add(Violation("qc", "synthetic-cross-reference", str(path),
                                     f"refers to other synthetic localities: synth-{', synth-'.join(sorted(others))}"))
    qc_started = time.perf_counter()
    store = build_store(dataset_files(out))
    violations |= set(check_qc(store))
    qc_seconds = time.perf_counter() - qc_started
    if log:
        log(f"QC over the union ({len(store)} quads): {qc_seconds:.1f} s")
    return {
        "violations": sorted(violations),
        "shards": len(shards),
        "shard_seconds": [round(s, 1) for s in shard_seconds],
        "union_qc_seconds": round(qc_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--localities", type=int, required=True, help="N >= 7: the 7 real + N-7 synthetic")
    parser.add_argument("--out", type=Path, required=True, help="data folder to write (replaced if made by this script)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fraction", type=float, default=DEFAULT_FRACTION,
                        help=f"share of a model's facts each synthetic locality keeps (default {DEFAULT_FRACTION}; 1 = full replica)")
    parser.add_argument("--validate", action="store_true", help="then validate in shards (see validate_sharded)")
    parser.add_argument("--shard-size", type=int, default=300)
    args = parser.parse_args(argv)
    result = generate(args.localities, args.out, args.seed, args.fraction)
    print(json.dumps(result, ensure_ascii=False))
    if args.validate:
        report = validate_sharded(args.out, args.shard_size, log=lambda m: print(m, file=sys.stderr))
        for v in report["violations"]:
            print(v)
        print(json.dumps({k: v for k, v in report.items() if k != "violations"} | {"violations": len(report["violations"])}))
        return 1 if report["violations"] else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
