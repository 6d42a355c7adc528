"""`kg propose`, leave one locality out: recall and precision per locality and overall, time per
article, and the time for a 10,000-character article; writes the table into the README between
the <!-- propose-table --> markers.

Run: .venv/bin/python bench/propose.py [--no-readme]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.propose.evaluate import evaluate, table  # noqa: E402
from kg.propose.knowledge import all_curated, article_text  # noqa: E402
from kg.propose.proposal import Proposer  # noqa: E402
from kg.seeds import Seed  # noqa: E402

README = ROOT / "README.md"
MARK = "<!-- propose-table -->"


def long_article(chars: int = 10_000) -> tuple[float, int]:
    """Seconds to propose on a 10,000-character text: the seven articles one after another (a
    stand-in seed of its own, so quotes are made unique within it), after a warm-up run."""
    text = "\n\n".join(article_text(c) for c in all_curated().values())[:chars]
    seed = Seed("999_0000000000000000.txt", ROOT / "seeds" / "999_0000000000000000.txt", text)
    proposer = Proposer()
    proposer.propose(seed, 0, 500, "long", seeds=(seed,))  # warm: jieba and cpca loaded once per process
    started = time.perf_counter()
    proposal = proposer.propose(seed, 0, len(text), "long", seeds=(seed,))
    return time.perf_counter() - started, len(proposal.items)


def write_readme(block: str) -> None:
    text = README.read_text(encoding="utf-8")
    if text.count(MARK) != 2:
        raise SystemExit(f"README.md needs two {MARK} markers")
    head, _, rest = text.partition(MARK)
    _, _, tail = rest.partition(MARK)
    README.write_text(f"{head}{MARK}\n{block}\n{MARK}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    result = evaluate()
    seconds, items = long_article()
    block = table(result) + (f"\n\nA 10,000-character article (the seven articles one after another): "
                             f"{seconds:.2f} s for {items} candidates (target: under 5 s).")
    print(block)
    if not args.no_readme:
        write_readme(block)


if __name__ == "__main__":
    main()
