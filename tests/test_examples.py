"""Every worked example in the README is run here and must print exactly what the README shows."""

from __future__ import annotations

from kg.examples import load_examples, readme_section, render_section
from kg.query import run_query


def test_there_are_at_least_ten_examples():
    assert len(load_examples()) >= 10


def test_every_example_returns_rows(store):
    for example in load_examples():
        out = run_query(example.query, "table", store)
        assert "(0 rows)" not in out, f"{example.slug} returns nothing"


def test_readme_shows_the_real_output_of_every_example(store):
    assert readme_section() == render_section(store), "README examples are stale: run `kg examples --write`"


def test_readme_data_model_is_generated_from_the_ontology():
    from kg import diagram

    assert diagram.readme_section() == diagram.section(), "README model is stale: run `kg examples --write`"


def test_every_example_asks_its_question_in_zh_too():
    """The query page shows the gallery in the page language; the zh line is metadata, never part of the query."""
    from kg.examples import load_examples

    for example in load_examples():
        assert example.question_zh and any("\u4e00" <= ch <= "\u9fff" for ch in example.question_zh), example.slug
        assert "# zh:" not in example.query, example.slug
