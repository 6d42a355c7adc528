"""Section 1: Zhili's /sparql beside the Oxigraph server (in memory, on disk) and rdflib-endpoint.

Every system serves the same triples (the union of the dataset's graphs) and answers the
same query mix (the README's worked examples plus a lookup, a join, an aggregate and a text
filter) through the same HTTP client on loopback: wrk (bench/wrk.py), whose own cost per request is a few
microseconds. Systems are interleaved query by query inside each run, so the ratios are measured in the same
minutes.

Warm requests are GETs (the method HTTP caches answer; the same for every system), cold ones POSTs of a
text never sent before. A fixed-answer server on Zhili's stack (fixed_answer.py) is timed with the same
GETs: the least any answer cache written in Python could take. The same Zhili is also timed behind its front
cache (`kg serve --front-cache`: Debian's nginx, api/front_cache.py), warm and cold.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

from common import BIN, Spread, free_port, front_cache, zhili_server
from fixed_answer import fixed_answer_server
import wrk

EXTRA = {
    "lookup": "SELECT ?p ?o WHERE { loc:jinchang ?p ?o }",
    "join": "SELECT ?loc ?name ?exact WHERE { ?a zl:locality ?loc ; zl:localName ?name . "
            "?ann oa:hasBody ?a ; oa:hasTarget/oa:hasSelector/oa:exact ?exact }",
    "aggregate": "SELECT ?cat (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a zl:mechanism/skos:broader ?cat } "
                 "GROUP BY ?cat ORDER BY DESC(?n)",
    "text filter": "SELECT ?s ?label WHERE { ?s rdfs:label|skos:prefLabel|zl:localName ?label "
                   "FILTER(CONTAINS(STR(?label), \"网格\")) }",
}
ZHILI, OXI_MEM, OXI_DISK, RDFLIB = "Zhili /sparql", "Oxigraph server (memory)", "Oxigraph server (disk)", "rdflib-endpoint"
FRONT = "Zhili + front cache (nginx)"
FLOOR = "fixed-answer floor"
ACCEPT = {"Accept": "application/sparql-results+json"}


def query_mix(examples: list[str] | None = None) -> dict[str, str]:
    """All README examples (or the named ones) plus the four extra shapes, each with the project prologue."""
    from kg.examples import load_examples
    from kg.namespaces import sparql_prologue

    mix = {f"ex{e.slug[:2]} {e.slug[3:]}": e.query for e in load_examples()
           if examples is None or e.slug in examples or e.slug[:2] in examples}
    mix.update(EXTRA)
    return {name: sparql_prologue() + q for name, q in mix.items()}


def _wait(url: str) -> None:
    for _ in range(600):
        try:
            if httpx.post(url, data={"query": "ASK { ?s ?p ?o }"}, headers=ACCEPT, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def start_oxigraph(union: Path, on_disk: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    args = [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}"]
    if on_disk:
        location = tempfile.mkdtemp(prefix="zhili-bench-oxigraph-")
        subprocess.run([str(BIN / "oxigraph"), "load", "--location", location, "--file", str(union)], check=True,
                       capture_output=True)
        args += ["--location", location]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    _wait(url + "/query")
    if not on_disk:
        httpx.post(url + "/store?default", content=union.read_bytes(), headers={"Content-Type": "text/turtle"},
                   timeout=300).raise_for_status()
    return process, url + "/query"


def start_rdflib(union: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([str(BIN / "rdflib-endpoint"), "serve", str(union), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    _wait(url)
    return process, url


def answer(client: httpx.Client, url: str, query: str, method: str = "GET", params: list = ()) -> None:
    """One untimed request (warming caches, finding what a system cannot answer); raises unless it gets 200."""
    form = [*params, ("query", query)]
    if method == "GET":
        r = client.get(url, params=form, headers=ACCEPT)
    else:
        r = client.post(url, content=urlencode(form),
                        headers={**ACCEPT, "Content-Type": "application/x-www-form-urlencoded"})
    if r.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {r.status_code} {r.text[:200]}")


@dataclass
class EndpointResults:
    systems: list[str]
    queries: list[str]
    p50: dict = field(default_factory=dict)  # system -> query -> Spread over runs
    p99: dict = field(default_factory=dict)
    rps: dict = field(default_factory=dict)  # system -> clients -> Spread
    ratio_p50: dict = field(default_factory=dict)  # query -> Spread of per-run Zhili ÷ Oxigraph (memory)
    ratio_rdflib: dict = field(default_factory=dict)  # query -> Spread of per-run rdflib ÷ Zhili
    ratio_rps: dict = field(default_factory=dict)  # clients -> Spread of per-run Zhili ÷ Oxigraph (memory)
    failures: dict = field(default_factory=dict)  # (system, query) -> what the system answered instead of results
    throughput_queries: list = field(default_factory=list)  # the queries every system answers
    # cold: every request a text the server has never seen (Zhili and the Oxigraph server in memory)
    cold_p50: dict = field(default_factory=dict)  # system -> query -> Spread
    ratio_cold_p50: dict = field(default_factory=dict)  # query -> Spread of per-run Zhili ÷ Oxigraph (memory), cold
    cold_rps: dict = field(default_factory=dict)  # system -> clients -> Spread
    ratio_cold_rps: dict = field(default_factory=dict)  # clients -> Spread
    floor_p50: dict = field(default_factory=dict)  # query -> Spread: the fixed-answer server, same GET
    ratio_floor: dict = field(default_factory=dict)  # query -> Spread of per-run floor ÷ Oxigraph (memory), warm
    # the same Zhili behind its front cache: query -> Spread of per-run FRONT ÷ Oxigraph (memory), warm and cold
    ratio_front_p50: dict = field(default_factory=dict)
    ratio_front_cold_p50: dict = field(default_factory=dict)
    ratio_front_rps: dict = field(default_factory=dict)  # clients -> Spread
    ratio_front_cold_rps: dict = field(default_factory=dict)


def run(runs: int = 3, seconds: int = 1, window: int = 5, clients: tuple[int, ...] = (1, 8, 32),
        with_rdflib: bool = True, examples: list[str] | None = None) -> EndpointResults:
    """Each latency cell is `seconds` of one wrk connection sending one query (warm: the same text; cold: a new
    text each time); cells go query by query, every system in turn, so the ratios come from the same minutes.
    Throughput: `window` seconds of `clients` connections cycling through the mix."""
    from kg.export import export

    mix = query_mix(examples)
    union = Path(tempfile.mkdtemp(prefix="zhili-bench-")) / "zhili.ttl"
    union.write_bytes(export("turtle"))
    processes = []
    with zhili_server() as zhili, fixed_answer_server() as floor_url, front_cache(zhili.url) as front_url:
        try:
            systems = {ZHILI: zhili.url + "/sparql", FRONT: front_url + "/sparql"}
            p, systems[OXI_MEM] = start_oxigraph(union, on_disk=False)
            processes.append(p)
            p, systems[OXI_DISK] = start_oxigraph(union, on_disk=True)
            processes.append(p)
            if with_rdflib:
                p, systems[RDFLIB] = start_rdflib(union)
                processes.append(p)
            res = EndpointResults(list(systems), list(mix))
            res.p50 = {s: {q: Spread() for q in mix} for s in systems}
            res.p99 = {s: {q: Spread() for q in mix} for s in systems}
            res.rps = {s: {c: Spread() for c in clients} for s in systems}
            res.ratio_p50 = {q: Spread() for q in mix}
            res.ratio_rdflib = {q: Spread() for q in mix}
            res.ratio_rps = {c: Spread() for c in clients}
            cold_systems = {ZHILI: systems[ZHILI], OXI_MEM: systems[OXI_MEM], FRONT: systems[FRONT]}
            res.cold_p50 = {s: {q: Spread() for q in mix} for s in cold_systems}
            res.ratio_cold_p50 = {q: Spread() for q in mix}
            res.cold_rps = {s: {c: Spread() for c in clients} for s in cold_systems}
            res.ratio_cold_rps = {c: Spread() for c in clients}
            res.floor_p50 = {q: Spread() for q in mix}
            res.ratio_floor = {q: Spread() for q in mix}
            res.ratio_front_p50 = {q: Spread() for q in mix}
            res.ratio_front_cold_p50 = {q: Spread() for q in mix}
            res.ratio_front_rps = {c: Spread() for c in clients}
            res.ratio_front_cold_rps = {c: Spread() for c in clients}
            with httpx.Client(timeout=300) as client:
                for system, url in systems.items():  # warm-up; a query a system cannot answer is recorded, not timed
                    for name, q in mix.items():
                        try:
                            answer(client, url, q)
                        except RuntimeError as exc:
                            res.failures[(system, name)] = str(exc).split(": ", 1)[-1][:160]
            answered = lambda system, name: (system, name) not in res.failures  # noqa: E731
            res.throughput_queries = [n for n in mix if all(answered(s, n) for s in systems)]
            # rdflib-endpoint takes up to a second on some queries: its cells are longer, so they hold answers
            cell = {s: seconds * (3 if s == RDFLIB else 1) for s in systems}
            for _ in range(runs):
                warm: dict = {s: {} for s in systems}
                cold: dict = {s: {} for s in cold_systems}
                floor: dict = {}
                for name, q in mix.items():
                    for system, url in systems.items():
                        if answered(system, name):
                            warm[system][name] = wrk.run(url, [q], seconds=cell[system])
                    floor[name] = wrk.run(floor_url, [q], seconds=seconds)
                    for system, url in cold_systems.items():
                        if answered(system, name):
                            cold[system][name] = wrk.run(url, [q], cold=True, seconds=seconds)
                for name in mix:
                    for system in systems:
                        if name in warm[system]:
                            res.p50[system][name].add(warm[system][name].p50_ms)
                            res.p99[system][name].add(warm[system][name].p99_ms)
                    for system in cold_systems:
                        if name in cold[system]:
                            res.cold_p50[system][name].add(cold[system][name].p50_ms)
                    res.floor_p50[name].add(floor[name].p50_ms)
                    oxigraph = warm[OXI_MEM].get(name)
                    if oxigraph is None:
                        continue
                    res.ratio_floor[name].add(floor[name].p50_ms / oxigraph.p50_ms)
                    for ratios, table, system in ((res.ratio_p50, warm, ZHILI), (res.ratio_front_p50, warm, FRONT),
                                                  (res.ratio_cold_p50, cold, ZHILI),
                                                  (res.ratio_front_cold_p50, cold, FRONT)):
                        reference = table[OXI_MEM].get(name)
                        if name in table[system] and reference is not None:
                            ratios[name].add(table[system][name].p50_ms / reference.p50_ms)
                    if with_rdflib and name in warm[RDFLIB] and name in warm[ZHILI]:
                        res.ratio_rdflib[name].add(warm[RDFLIB][name].p50_ms / warm[ZHILI][name].p50_ms)
                queries = [mix[n] for n in res.throughput_queries]
                for c in clients:
                    rates = {s: _rate(res, s, c, wrk.run(url, queries, connections=c, seconds=window, strict=False))
                             for s, url in systems.items()}
                    for system, rate in rates.items():
                        res.rps[system][c].add(rate)
                    res.ratio_rps[c].add(rates[ZHILI] / rates[OXI_MEM])
                    res.ratio_front_rps[c].add(rates[FRONT] / rates[OXI_MEM])
                    rates = {s: _rate(res, s, c, wrk.run(url, queries, cold=True, connections=c, seconds=window,
                                                         strict=False), cold=True)
                             for s, url in cold_systems.items()}
                    for system, rate in rates.items():
                        res.cold_rps[system][c].add(rate)
                    res.ratio_cold_rps[c].add(rates[ZHILI] / rates[OXI_MEM])
                    res.ratio_front_cold_rps[c].add(rates[FRONT] / rates[OXI_MEM])
        finally:
            for p in processes:
                p.terminate()
    return res


def _rate(res: EndpointResults, system: str, clients: int, outcome: wrk.Outcome, cold: bool = False) -> float:
    """Answers a second that were not errors; errors are listed under the tables."""
    if outcome.errors:
        res.failures[(system, f"throughput, {clients} clients{', cold' if cold else ''}")] = \
            f"{outcome.errors} of {outcome.requests} answers were errors"
    return outcome.rate


def report(res: EndpointResults, runs: int, seconds: int, window: int) -> list[str]:
    lines = ["## 1. SPARQL endpoint", "",
             "Same triples, same query mix, same client: wrk (C, keep-alive, requests built before timing; "
             "`bench/wrk.py`), on loopback, `Accept: application/sparql-results+json`. "
             f"{runs} runs; in each run every query goes to every system in turn, for {seconds} s of one connection "
             f"sending it again and again ({3 * seconds} s for rdflib-endpoint, which takes up to a second a query). "
             "Cells: **median over runs** (min–max over runs) of the per-run percentile, in ms.", "",
             "**Warm** means the same query text again, sent as a GET (Zhili answers it from its answer cache; the "
             "others have none); **cold** means a text the server has never seen (a new comment line at the end of "
             "each request, sent as a POST), so Zhili parses, checks and evaluates it. The two are measured and "
             "reported separately, never mixed. The *fixed-answer floor* is a server on Zhili's stack that answers "
             "every GET with the same bytes without reading it: *floor ÷ Oxigraph* is the least ratio any cache "
             "written in Python could reach on that query through this client. *" + FRONT + "* is the same Zhili "
             "behind its front cache (`kg serve --front-cache`): warm GETs are answered by nginx from its cache, "
             "cold requests pass through it to the app (their texts are new to the app too).",
             "", "### Sequential latency p50, warm (repeated texts, GET), ms", "",
             "| query | " + " | ".join(res.systems) + f" | {FLOOR} | Zhili ÷ Oxigraph | front cache ÷ Oxigraph "
             "| floor ÷ Oxigraph |",
             "|---" * (len(res.systems) + 5) + "|"]
    for q in res.queries:
        lines.append(f"| {q} | " + " | ".join(res.p50[s][q].cell() for s in res.systems)
                     + f" | {res.floor_p50[q].cell()} | {res.ratio_p50[q].cell()}× | {res.ratio_front_p50[q].cell()}× "
                       f"| {res.ratio_floor[q].cell()}× |")
    cold_systems = list(res.cold_p50)
    lines += ["", "### Sequential latency p50, cold (every text new to the server), ms", "",
              "| query | " + " | ".join(cold_systems) + " | Zhili ÷ Oxigraph | front cache ÷ Oxigraph |",
              "|---" * (len(cold_systems) + 3) + "|"]
    for q in res.queries:
        lines.append(f"| {q} | " + " | ".join(res.cold_p50[s][q].cell() for s in cold_systems)
                     + f" | {res.ratio_cold_p50[q].cell()}× | {res.ratio_front_cold_p50[q].cell()}× |")
    lines += ["", "### Sequential latency p99, warm, ms", "", "| query | " + " | ".join(res.systems) + " |",
              "|---" * (len(res.systems) + 1) + "|"]
    for q in res.queries:
        lines.append(f"| {q} | " + " | ".join(res.p99[s][q].cell() for s in res.systems) + " |")
    clients = list(next(iter(res.rps.values())))
    left_out = [q for q in res.queries if q not in res.throughput_queries]
    lines += ["", f"### Throughput, answers/s over the mix ({window} s windows; wrk, up to 2 threads)",
              "", "Closed-loop connections cycle through the mix" + (f" without {', '.join(left_out)} (not answered by "
                                                                 "every system)" if left_out else "") + ".", "",
              "| clients | " + " | ".join(res.systems) + " |", "|---" * (len(res.systems) + 1) + "|"]
    for c in clients:
        lines.append(f"| {c} | " + " | ".join(res.rps[s][c].cell(0) for s in res.systems) + " |")
    lines += ["", "Warm above (the mix repeated); cold below (every request a new text):", "",
              "| clients | " + " | ".join(cold_systems) + " |", "|---" * (len(cold_systems) + 1) + "|"]
    for c in clients:
        lines.append(f"| {c} | " + " | ".join(res.cold_rps[s][c].cell(0) for s in cold_systems) + " |")
    if res.failures:
        lines += ["", "### What a system did not answer (n/a above) or answered with errors (not counted above)", ""]
        lines += [f"- {system}, `{name}`: {message}" for (system, name), message in sorted(res.failures.items())]
    return lines


def headline(res: EndpointResults) -> list[tuple[str, str, str, bool | None]]:
    """(measure, value, target, met) rows for the README table: per-query ratios summarised as the worst query
    and how many met the target (every query's ratio is in RESULTS.md)."""
    rows = []

    def worst(ratios: dict, bound: float, label: str, target: str) -> None:
        """One row: the worst query's ratio, the best one's, and how many are within `bound`."""
        measured = {q: r for q, r in ratios.items() if r.values}
        if not measured:
            return
        name, spread = max(measured.items(), key=lambda item: item[1].median)
        best = min(measured.items(), key=lambda item: item[1].median)
        met = sum(r.median <= bound for r in measured.values())
        rows.append((f"{label}: worst of {len(measured)} queries `{name}` (best `{best[0]}` {best[1].median:.2f}×; "
                     f"{met} of {len(measured)} ≤ {bound:g}×)", spread.cell() + "×", target,
                     met == len(measured) if target else None))

    worst(res.ratio_p50, 0.5, "/sparql p50, warm (repeated GET): Zhili ÷ Oxigraph server", "≤ 0.5× each")
    worst(res.ratio_front_p50, 0.5, "/sparql p50, warm: Zhili behind its front cache (nginx) ÷ Oxigraph server",
          "≤ 0.5× each")
    worst(res.ratio_floor, 0.5, "the same for a fixed-answer server in Python (the least a Python cache reaches "
                                "through this client)", "")
    worst(res.ratio_cold_p50, 1.5, "/sparql p50, cold (new text, POST): Zhili ÷ Oxigraph server", "≤ 1.5× each")
    worst(res.ratio_front_cold_p50, 1.5, "/sparql p50, cold: Zhili behind its front cache ÷ Oxigraph server",
          "≤ 1.5× each")
    if res.ratio_rdflib and any(s.values for s in res.ratio_rdflib.values()):
        for q in ("join", "aggregate"):
            r = res.ratio_rdflib[q]
            if not r.values:
                continue
            rows.append((f"/sparql p50 `{q}`, warm: rdflib-endpoint ÷ Zhili (Zhili is this many times faster)",
                         r.cell(1) + "×", "≥ 10×", r.median >= 10))
    for label, ratios, bound in (("warm: Zhili", res.ratio_rps, 2), ("warm: Zhili behind its front cache",
                                                                     res.ratio_front_rps, 2),
                                 ("cold: Zhili", res.ratio_cold_rps, 0.8), ("cold: Zhili behind its front cache",
                                                                           res.ratio_front_cold_rps, 0.8)):
        for c, r in ratios.items():
            rows.append((f"throughput at {c} client(s), {label} ÷ Oxigraph server", r.cell() + "×",
                         f"≥ {bound:g}×" if c == 8 else "", (r.median >= bound) if c == 8 else None))
    return rows
