"""The guard's own time on cold texts: each worked example (with the project prologue) and the four extra
shapes, read from the first character and resumed after the remembered prologue, interleaved.

    .venv/bin/python bench/guard_parse.py [--reps 8]

Single-purpose (not part of `make bench`): it times api/sparql/guard.py in this process, no HTTP.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from endpoints import query_mix  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=8)
    args = parser.parse_args(argv)
    from api.sparql import guard

    texts = list(query_mix().values())
    guard.warm(texts)  # lexer states compiled, the prologue remembered
    per_query: dict[bool, list[float]] = {True: [], False: []}
    for rep in range(args.reps):
        for resuming in (True, False):
            guard._resuming = resuming
            started = time.perf_counter()
            for i, text in enumerate(texts):
                guard._classify(f"{text}\n# {rep}-{i}")  # a text never read before
            per_query[resuming].append((time.perf_counter() - started) * 1000 / len(texts))
    guard._resuming = True
    for resuming, values in per_query.items():
        values.sort()
        print(f"{'resumed after the prologue' if resuming else 'read from the first character':32s} "
              f"min {values[0]:.2f}  median {values[len(values) // 2]:.2f} ms per query")
    print(f"median ratio resumed ÷ fresh: {sorted(per_query[True])[args.reps // 2] / sorted(per_query[False])[args.reps // 2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
