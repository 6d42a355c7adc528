"""Competency questions a comparative researcher asks, each answered by SPARQL over the graph.

Every question lives in a YAML file next to this one (one file per locality, plus
cross-locality ones). A question carries the seed span that justifies its expected
answer; the test checks the span is in the seeds, then runs the query as a user
would write it from the README (by concept IRI, not by label substring) and compares
the answer with the expectation written from the seed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from kg.namespaces import PREFIXES
from kg.seeds import load_seeds
from kg.turtle import qname

HERE = Path(__file__).parent
KINDS = {"which", "both", "lacks", "number", "chain", "sub-place", "article", "restated"}


def _questions() -> list[dict]:
    questions = []
    for path in sorted(HERE.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            entry["_file"] = path.name
            questions.append(entry)
    return questions


QUESTIONS = _questions()
SEED_TEXT = "\n".join(seed.text for seed in load_seeds())


def _value(term) -> str:
    """A result term as the YAML writes it: prefixed name, number or plain string."""
    if isinstance(term, ox.NamedNode):
        return qname(term.value)
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt.endswith(("#integer", "#decimal", "#double", "#float", "#int", "#long")):
            number = Decimal(term.value)
            return str(number.normalize()) if number != number.to_integral() else str(int(number))
        return term.value
    return str(term)


def _answer(store: ox.Store, sparql: str):
    result = store.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    variables = result.variables
    assert len(variables) == 1, "a competency query selects exactly one variable"
    return sorted({_value(row[variables[0]]) for row in result if row[variables[0]] is not None})


def _expected(entry) -> object:
    expected = entry["expected"]
    if isinstance(expected, bool):
        return expected
    return sorted({str(v) if not isinstance(v, (int, float)) else _value(ox.Literal(str(v), datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#" + ("integer" if isinstance(v, int) else "decimal")))) for v in expected})


def test_there_are_enough_questions_of_every_kind():
    assert len(QUESTIONS) >= 80
    kinds = {q["kind"] for q in QUESTIONS}
    assert kinds == KINDS, f"kinds missing: {KINDS - kinds}"
    ids = [q["id"] for q in QUESTIONS]
    assert len(ids) == len(set(ids)), "question ids are unique"


@pytest.mark.parametrize("entry", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_competency_question(entry, store):
    assert entry["kind"] in KINDS
    assert entry["question"].strip()
    for quote in entry["quotes"]:
        assert quote in SEED_TEXT, f"justifying quote not in the seeds: {quote!r}"
    assert "CONTAINS(" not in entry["sparql"].upper().replace(" ", ""), "ask by concept, not by label substring"
    assert _answer(store, entry["sparql"]) == _expected(entry), entry["question"]
