"""Worked example queries: files in kg/examples/, rendered with their real output into the README.

The README section between the markers is generated (`kg examples --write`), and a
test regenerates it and compares, so every example in the README is a passing test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .paths import README_FILE
from .query import run_query

EXAMPLES_DIR = Path(__file__).parent / "examples"
README = README_FILE
START, END = "<!-- examples:start -->", "<!-- examples:end -->"


@dataclass(frozen=True)
class Example:
    slug: str
    question: str
    query: str
    question_zh: str = ""


def load_examples(directory: Path = EXAMPLES_DIR) -> list[Example]:
    """Each .rq file: first line `# question` (English), optionally a second line `# zh: question`, the rest
    the query (the zh line is metadata for the query page, not part of the query shown or run)."""
    found = []
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first, _, rest = text.partition("\n")
        question_zh = ""
        if rest.startswith("# zh:"):
            head, _, rest = rest.partition("\n")
            question_zh = head[len("# zh:"):].strip()
        found.append(Example(path.stem, first.lstrip("# ").strip(), rest.strip() + "\n", question_zh))
    return found


def render_section(store: ox.Store, examples: list[Example] | None = None) -> str:
    parts = [START, ""]
    for number, example in enumerate(examples or load_examples(), 1):
        output = run_query(example.query, "table", store)
        parts += [f"#### {number}. {example.question}", "", "```sparql", example.query.rstrip(), "```", "",
                  "```text", output.rstrip(), "```", ""]
    parts.append(END)
    return "\n".join(parts)


def readme_section(readme: Path = README) -> str:
    text = readme.read_text(encoding="utf-8")
    match = re.search(re.escape(START) + ".*?" + re.escape(END), text, flags=re.S)
    return match.group(0) if match else ""


def write_readme(store: ox.Store, readme: Path = README) -> None:
    text = readme.read_text(encoding="utf-8")
    section = render_section(store)
    if START in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: section, text, flags=re.S)
    else:
        text += "\n" + section + "\n"
    readme.write_text(text, encoding="utf-8")
