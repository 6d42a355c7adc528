"""`kg propose`: the command-line side (arguments checked here, work done by the modules)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from ..paths import SEEDS
from ..seeds import Seed, load_seeds

LOCALITY_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class UsageError(ValueError):
    """Bad arguments: reported in one line, exit status 2."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", nargs="?", help="a source file in seeds/ (listed in seeds/manifest.ttl)")
    p.add_argument("--range", metavar="START:END", help="the article's code-point range (default: the whole file)")
    p.add_argument("--locality", metavar="ID", help="locality id (lower-case ASCII with hyphens), e.g. tonghua-county")
    p.add_argument("--out", default="drafts", help="folder for ID.draft.ttl, ID.review.html (and ID.ttl); default ./drafts")
    p.add_argument("--accept-all", action="store_true",
                   help="also write ID.ttl: every item accepted as proposed (then `kg fmt` it and `kg validate`)")
    p.add_argument("--evaluate", action="store_true",
                   help="leave-one-locality-out evaluation against the curated localities (prints the table)")
    p.add_argument("--localities", help="with --evaluate: comma-separated ids (default: all)")
    p.add_argument("--json", action="store_true", help="with --evaluate: JSON instead of the table")


def find_seed(name: str) -> Seed:
    path = Path(name)
    for seed in load_seeds():
        if seed.identifier == path.name and (path.parent in (Path("."), Path("")) or path.resolve().parent == SEEDS.resolve()):
            return seed
    raise UsageError(f"{name}: not a source file in {SEEDS} (copy it there and describe it in seeds/manifest.ttl)")


def parse_range(text: str | None, seed: Seed) -> tuple[int, int]:
    if not text:
        return 0, len(seed.text)
    m = re.fullmatch(r"(\d+):(\d+)", text.strip())
    if not m:
        raise UsageError(f"--range {text!r}: expected START:END in code points, e.g. 4732:7363")
    start, end = int(m.group(1)), int(m.group(2))
    if not 0 <= start < end <= len(seed.text):
        raise UsageError(f"--range {text}: must satisfy 0 <= START < END <= {len(seed.text)} (length of {seed.identifier})")
    return start, end


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except UsageError as exc:
        print(f"kg propose: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.evaluate:
        from .evaluate import evaluate, table

        from .knowledge import all_curated
        wanted = [x for x in (args.localities or "").split(",") if x]
        unknown = sorted(set(wanted) - set(all_curated()))
        if unknown:
            raise UsageError(f"--localities: no curated locality {', '.join(unknown)}")
        result = evaluate(wanted or None)
        if args.json:
            print(json.dumps(_plain(result), ensure_ascii=False, indent=2))
        else:
            print(table(result))
        return 0
    if not args.file or not args.locality:
        raise UsageError("give FILE and --locality ID (or --evaluate)")
    if not LOCALITY_ID.match(args.locality):
        raise UsageError(f"--locality {args.locality!r}: lower-case ASCII letters, digits and hyphens")
    seed = find_seed(args.file)
    start, end = parse_range(args.range, seed)
    from .draft import default_decisions, draft_text, final_text
    from .proposal import Proposer
    from .review import review_html

    proposal = Proposer().propose(seed, start, end, args.locality)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / f"{args.locality}.draft.ttl", out / f"{args.locality}.review.html"]
    written[0].write_text(draft_text(proposal), encoding="utf-8")
    written[1].write_text(review_html(proposal), encoding="utf-8")
    if args.accept_all:
        written.append(out / f"{args.locality}.ttl")
        written[2].write_text(final_text(proposal, default_decisions(proposal)), encoding="utf-8")
    counts: dict[str, int] = {}
    for item in proposal.items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    print(f"{len(proposal.items)} candidates in {seed.identifier}[{start}:{end}] ({proposal.seconds:.2f} s): "
          + ", ".join(f"{n} {k}" for k, n in counts.items()))
    for path in written:
        print(f"wrote {path}")
    return 0


def _plain(result: dict) -> dict:
    """The evaluation result with tallies as dicts (for --json and the bench script)."""
    def tallies(r):
        return {"chars": r["chars"], "seconds": round(r["seconds"], 3),
                "measures": {m: {"truth": t.truth, "found": t.found, "proposed": t.proposed, "correct": t.correct,
                                 "recall": round(t.recall, 4), "precision": round(t.precision, 4)}
                             for m, t in r["measures"].items()}}
    return {"localities": {k: tallies(v) for k, v in result["localities"].items()},
            "overall": tallies(result["overall"]), "cold_start": round(result["cold_start"], 3)}
