"""The `kg` command: validate, fmt, locate, stats, query, compare, export (and serve, later)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .paths import DATA


def _cmd_validate(args) -> int:
    from .validate import validate

    report = validate(Path(args.data), [Path(p) for p in args.add])
    violations = report.violations
    if args.focus:
        from .validate import focus_on

        violations = focus_on(violations, [Path(f) for f in args.focus])
    for violation in violations:
        print(violation)
    if args.focus and not violations:
        print(f"ok for {', '.join(args.focus)} ({len(report.violations)} violation(s) elsewhere)")
        return 0
    if report.ok:
        print(f"ok: {report.triples} triples valid ({report.seconds:.1f} s)")
        return 0
    print(f"FAILED: {len(report.violations)} violation(s)", file=sys.stderr)
    return 1


def _cmd_fmt(args) -> int:
    from .dataset import curated_files
    from .fmt import format_file

    files = [Path(p) for p in args.files] or curated_files(Path(args.data))
    errors = [e for path in files for e in format_file(path)]
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


def _cmd_locate(args) -> int:
    from rdflib import Graph, URIRef

    from .evidence import annotation_triples, locate
    from .turtle import serialize

    spans = locate(args.quote)
    if not spans:
        print("not found in any seed", file=sys.stderr)
        return 1
    for i, span in enumerate(spans, 1):
        context = span.seed.text[max(0, span.start - 30): span.end + 30].replace("\n", "⏎")
        print(f"#{i} {span.seed.identifier} [{span.start}:{span.end}] …{context}…")
        if args.body:
            graph = Graph()
            for triple in annotation_triples(span, URIRef(args.body)):
                graph.add(triple)
            print(serialize(graph))
    return 0


def _cmd_stats(args) -> int:
    from .stats import compute_stats, format_stats

    stats = compute_stats()
    print(json.dumps(stats, ensure_ascii=False, indent=2) if args.json else format_stats(stats))
    return 0


def _cmd_query(args) -> int:
    from .query import run_query

    text = Path(args.file).read_text(encoding="utf-8") if args.file else args.sparql
    if not text:
        print("give a query as an argument or with --file", file=sys.stderr)
        return 2
    try:
        print(run_query(text, args.format), end="")
    except SyntaxError as exc:
        print(f"SPARQL syntax error: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_compare(args) -> int:
    from .analysis import UnknownLocality, compare_localities, format_comparison
    from .store import build_store

    try:
        result = compare_localities(build_store(), args.localities, include_restated=args.include_restated)
    except UnknownLocality as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else format_comparison(result, args.lang))
    return 0


def _cmd_export(args) -> int:
    from .export import export, write_tables

    if args.tables:
        names = write_tables(args.tables)
        print(f"wrote {', '.join(names)} to {args.tables}")
        return 0
    data = export(args.format)
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def _cmd_gazetteer(args) -> int:
    from . import gazetteer

    graph = gazetteer.load_graph(Path(args.data))
    if args.print:
        from .turtle import qname

        for node, division in sorted(gazetteer.expected(graph).items()):
            print(f"{qname(str(node))}  # {division.name}\n{gazetteer.turtle_lines(division)}")
        return 0
    problems = gazetteer.check(graph)
    for line in problems:
        print(line)
    if problems:
        print(f"FAILED: {len(problems)} difference(s) from {gazetteer.PACKAGE} {gazetteer.version()}", file=sys.stderr)
        return 1
    print(f"ok: {len(gazetteer.expected(graph))} places carry the codes and coordinates of "
          f"{gazetteer.PACKAGE} {gazetteer.version()}")
    return 0


def _cmd_recall(args) -> int:
    from .recall import recall_report
    from .store import build_store

    report = recall_report(build_store())
    for term in report["missing"]:
        print(f"missing {term.kind}: {term.text}  ({term.seed} @{term.offset})")
    for term in report["stale_exclusions"]:
        print(f"stale exclusion (represented in the graph, or not in the seeds): {term}")
    print(f"{report['terms']} quoted terms, {report['titles']} titles: {report['represented']} represented, "
          f"{report['excluded']} excluded, {len(report['missing'])} missing")
    return 1 if report["missing"] or report["stale_exclusions"] else 0


def _cmd_examples(args) -> int:
    from .examples import load_examples, render_section, write_readme
    from .store import build_store

    store = build_store()
    if args.write:
        from . import diagram

        write_readme(store)
        diagram.write_readme()
    else:
        print(render_section(store, load_examples()))
    return 0


def _cmd_build(args) -> int:
    import time

    from .store import BUILD_INFO, dataset_checksum, write_build_info, write_on_disk
    from .validate import validate

    data = Path(args.data)
    started = time.perf_counter()
    report = validate(data)
    if not report.ok:
        for violation in report.violations[:20]:
            print(violation, file=sys.stderr)
        print(f"refusing to build: {len(report.violations)} violation(s); run kg validate", file=sys.stderr)
        return 1
    validated = time.perf_counter() - started
    # What the service derives at start-up (catalog, search index, counts) is saved beside the store.
    from api.repository import EmbeddedRepository
    from api.snapshot import SNAPSHOT, derive, write_snapshot

    for stale in (BUILD_INFO, SNAPSHOT):  # no record of a previous build survives a failed one
        (Path(args.location) / stale).unlink(missing_ok=True)
    write_on_disk(report.store, Path(args.location))  # exactly the store that was validated
    quads = len(report.store)
    checksum = dataset_checksum(report.store)

    write_snapshot(Path(args.location), derive(EmbeddedRepository(report.store), quads), checksum)
    write_build_info(Path(args.location), {
        "validated": True, "data": str(data.resolve()), "quads": quads, "checksum": checksum,
        "validation_seconds": round(validated, 1), "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    })
    print(f"built {quads} quads in {args.location} (validated in {validated:.1f} s)")
    return 0


def _cmd_load(args) -> int:
    from .load import LoadError, load

    auth = (args.user, args.password or "") if args.user else None
    try:
        result = load(args.endpoint, args.query_endpoint, Path(args.data), auth)
    except (LoadError, OSError) as exc:
        print(f"kg load: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


def _cmd_serve(args) -> int:
    import uvicorn

    # absolute URLs the service writes name the address it was started on, never a request's Host header
    # (behind a proxy, set ZHILI_PUBLIC_URL to the public address)
    host = "127.0.0.1" if args.host in ("", "0.0.0.0", "::") else args.host
    if not os.environ.get("ZHILI_PUBLIC_URL"):
        os.environ["ZHILI_PUBLIC_URL"] = f"http://{f'[{host}]' if ':' in host else host}:{args.port}"
    from api.http_limits import uvicorn_options
    from api.settings import Settings

    settings = Settings.from_env()
    if not args.front_cache:
        # request heads, URLs and slow clients are bounded by the HTTP protocol itself (api/http_limits.py)
        uvicorn.run("api.app:create_app", factory=True, host=args.host, port=args.port, log_level=args.log_level,
                    **uvicorn_options(settings))
        return 0
    from api.front_cache import serve_behind_front_cache

    return serve_behind_front_cache(args.host, args.port, args.log_level, settings)


def _cmd_propose(args) -> int:
    from .propose.command import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kg", description="Zhili knowledge graph tools")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="SHACL, QC queries, provenance and canonical form")
    p.add_argument("--data", default=str(DATA), help="curated data folder (default kg/data)")
    p.add_argument("--add", action="append", default=[], metavar="FILE", help="also load FILE (e.g. a fixture)")
    p.add_argument("--focus", action="append", default=[], metavar="FILE",
                   help="report only violations about subjects of FILE (while curating one file)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("fmt", help="expand zl:quote shorthand and rewrite curated files canonically")
    p.add_argument("files", nargs="*")
    p.add_argument("--data", default=str(DATA))
    p.set_defaults(func=_cmd_fmt)

    p = sub.add_parser("locate", help="find a verbatim span in the seeds (offsets in code points)")
    p.add_argument("quote")
    p.add_argument("--body", help="print the annotation Turtle for this fact IRI")
    p.set_defaults(func=_cmd_locate)

    p = sub.add_parser("recall", help="quoted terms and titles of the seeds missing from the graph")
    p.set_defaults(func=_cmd_recall)

    p = sub.add_parser("gazetteer", help="check every place's GB/T 2260 code and coordinates against the cpca package")
    p.add_argument("--data", default=str(DATA))
    p.add_argument("--print", action="store_true", help="print the Turtle statements the gazetteer gives instead")
    p.set_defaults(func=_cmd_gazetteer)
    p = sub.add_parser("propose", help="draft a locality's curation from its article (and a review page); "
                                       "--evaluate: leave-one-locality-out against the curated files")
    from .propose.command import add_arguments

    add_arguments(p)
    p.set_defaults(func=_cmd_propose)

    p = sub.add_parser("examples", help="run the worked example queries (and --write them into the README)")
    p.add_argument("--write", action="store_true")
    p.set_defaults(func=_cmd_examples)

    p = sub.add_parser("stats", help="counts of localities, mechanisms, adoptions, figures…")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_stats)

    p = sub.add_parser("query", help="run SPARQL over the graph")
    p.add_argument("sparql", nargs="?")
    p.add_argument("--file")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=_cmd_query)

    p = sub.add_parser("compare", help="compare localities by zh or en name: same concept, shared by k of n, "
                                         "same practice with different programmes, unique, similarity")
    p.add_argument("localities", nargs="+")
    p.add_argument("--json", action="store_true")
    p.add_argument("--include-restated", action="store_true",
                   help="count restated central or provincial formulas as shared mechanisms")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the names printed")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("build", help="validate, then build a persistent on-disk pyoxigraph store")
    p.add_argument("--location", required=True, help="folder of the on-disk store (replaced)")
    p.add_argument("--data", default=str(DATA), help="curated data folder (default kg/data)")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("load", help="write the validated dataset into a SPARQL server as a new release, then switch "
                                    "to it (Graph Store Protocol)")
    p.add_argument("--endpoint", default=os.environ.get("ZHILI_UPDATE_URL"), required=not os.environ.get("ZHILI_UPDATE_URL"),
                   help="Graph Store URL, e.g. http://127.0.0.1:7878/store (default: $ZHILI_UPDATE_URL)")
    p.add_argument("--query-endpoint", help="query URL (default: Oxigraph's /store -> /query, Virtuoso's "
                                            "/sparql-graph-crud-auth -> /sparql) to check the release and remove old graphs")
    p.add_argument("--data", default=str(DATA))
    p.add_argument("--user", default=os.environ.get("ZHILI_STORE_USER"))
    p.add_argument("--password", default=os.environ.get("ZHILI_STORE_PASSWORD"))
    p.set_defaults(func=_cmd_load)

    p = sub.add_parser("serve", help="run the web service (SPARQL endpoint, API, pages)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--log-level", default="info")
    p.add_argument("--front-cache", action="store_true",
                   help="answer repeated GETs from an HTTP cache in front of the app (Debian's nginx; see README)")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("export", help="the whole dataset")
    p.add_argument("--format", choices=["turtle", "nquads", "jsonld", "csv"], default="turtle")
    p.add_argument("--output", "-o")
    p.add_argument("--tables", metavar="DIR", help="write the tidy CSV tables and datapackage.json into DIR instead")
    p.set_defaults(func=_cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
