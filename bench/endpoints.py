"""Section 1: Zhili's /sparql beside the Oxigraph server (in memory, on disk) and rdflib-endpoint.

Every system serves the same triples (the union of the dataset's graphs) and answers the
same query mix (the README's worked examples plus a lookup, a join, an aggregate and a text
filter) through the same HTTP client on loopback. Systems are interleaved query by query
inside each round, so the ratios are measured in the same run.

Warm requests are GETs (the method HTTP caches answer; the same for every system), cold ones POSTs of a
text never sent before. A fixed-answer server on Zhili's stack (fixed_answer.py) is timed with the same
GETs: the least any answer cache could take through this client. The same Zhili is also timed behind its front
cache (`kg serve --front-cache`: Debian's nginx, api/front_cache.py), warm and cold.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from common import BIN, Spread, free_port, front_cache, percentile, zhili_server
from fixed_answer import fixed_answer_server
from lean_client import LeanClient, Prepared

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


def one(client: LeanClient, url: str, query: str, method: str = "POST") -> float:
    """Milliseconds for one answer (the request is encoded before the clock starts); raises on anything but 200."""
    elapsed, status, body = client.send(Prepared(method, url, [("query", query)]))
    if status != 200:
        raise RuntimeError(f"{url}: HTTP {status} {body[:200].decode('utf-8', 'replace')}")
    return elapsed


_FRESH = itertools.count()


def fresh(query: str) -> str:
    """The query as a text the server has never seen (a comment line that changes nothing it means): a cold
    request, which no answer cache can serve."""
    return f"{query}\n# cold {time.time_ns()}-{next(_FRESH)}"


def _client_process(url: str, queries: list[str], threads: int, start_at: float, window: float, offset: int, out,
                    cold: bool = False) -> None:
    """Closed-loop clients in one process; counts answers completed inside [start_at, start_at + window].
    cold: every request sends a text never sent before."""
    done = [0]
    lock = threading.Lock()

    def work(k: int) -> None:
        with LeanClient(timeout=120) as client:
            i = k
            while time.time() < start_at:
                time.sleep(0.001)
            while time.time() < start_at + window:
                query = queries[i % len(queries)]
                if cold:
                    one(client, url, fresh(f"{query}\n# {offset}-{k}-{i}"))
                else:
                    one(client, url, query, "GET")
                if time.time() <= start_at + window:
                    with lock:
                        done[0] += 1
                i += 1

    pool = [threading.Thread(target=work, args=(offset + k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put(done[0])


def throughput(url: str, queries: list[str], clients: int, window: float, cold: bool = False) -> float:
    """Requests per second with `clients` concurrent closed-loop clients, spread over up to 4 processes
    so the client's own GIL does not cap the servers."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    processes = min(clients, 4)
    start_at = time.time() + 2.0
    workers = []
    for p in range(processes):
        threads = clients // processes + (1 if p < clients % processes else 0)
        workers.append(ctx.Process(target=_client_process,
                                   args=(url, queries, threads, start_at, window, p * 97, out, cold)))
    for w in workers:
        w.start()
    total = sum(out.get(timeout=window + 300) for _ in workers)
    for w in workers:
        w.join()
    return total / window


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


def run(runs: int = 3, rounds: int = 20, window: float = 5.0, clients: tuple[int, ...] = (1, 8, 32),
        with_rdflib: bool = True, examples: list[str] | None = None) -> EndpointResults:
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
            with LeanClient(timeout=300) as client:
                for system, url in systems.items():  # warm-up; a query a system cannot answer is recorded, not timed
                    for name, q in mix.items():
                        try:
                            one(client, url, q, "GET")
                        except RuntimeError as exc:
                            res.failures[(system, name)] = str(exc).split(": ", 1)[-1][:160]
                answered = lambda system, name: (system, name) not in res.failures  # noqa: E731
                res.throughput_queries = [n for n in mix if all(answered(s, n) for s in systems)]
                for _ in range(runs):
                    samples = {s: {q: [] for q in mix} for s in systems}
                    floor = {q: [] for q in mix}
                    cold = {s: {q: [] for q in mix} for s in cold_systems}
                    for _ in range(rounds):
                        for name, q in mix.items():
                            for system, url in systems.items():
                                if answered(system, name):
                                    samples[system][name].append(one(client, url, q, "GET"))
                            floor[name].append(one(client, floor_url, q, "GET"))
                            text = fresh(q)  # the same new text to Zhili and Oxigraph, interleaved
                            for system, url in cold_systems.items():
                                if answered(system, name):  # the front cache's app is Zhili's: a text of its own
                                    cold[system][name].append(one(client, url, fresh(q) if system == FRONT else text))
                    for system in cold_systems:
                        for name in mix:
                            if cold[system][name]:
                                res.cold_p50[system][name].add(percentile(cold[system][name], 50))
                    for name in mix:
                        if cold[ZHILI][name] and cold[OXI_MEM][name]:
                            res.ratio_cold_p50[name].add(percentile(cold[ZHILI][name], 50)
                                                         / percentile(cold[OXI_MEM][name], 50))
                        if cold[FRONT][name] and cold[OXI_MEM][name]:
                            res.ratio_front_cold_p50[name].add(percentile(cold[FRONT][name], 50)
                                                               / percentile(cold[OXI_MEM][name], 50))
                    for system in systems:
                        for name in mix:
                            if samples[system][name]:
                                res.p50[system][name].add(percentile(samples[system][name], 50))
                                res.p99[system][name].add(percentile(samples[system][name], 99))
                    for name in mix:
                        res.floor_p50[name].add(percentile(floor[name], 50))
                        if samples[OXI_MEM][name]:
                            res.ratio_floor[name].add(percentile(floor[name], 50)
                                                      / percentile(samples[OXI_MEM][name], 50))
                        if not samples[ZHILI][name]:
                            continue
                        zhili_p50 = percentile(samples[ZHILI][name], 50)
                        if samples[OXI_MEM][name]:
                            res.ratio_p50[name].add(zhili_p50 / percentile(samples[OXI_MEM][name], 50))
                            if samples[FRONT][name]:
                                res.ratio_front_p50[name].add(percentile(samples[FRONT][name], 50)
                                                              / percentile(samples[OXI_MEM][name], 50))
                        if with_rdflib and samples[RDFLIB][name]:
                            res.ratio_rdflib[name].add(percentile(samples[RDFLIB][name], 50) / zhili_p50)
                    for c in clients:
                        rates = {}
                        for system, url in systems.items():
                            rates[system] = throughput(url, [mix[n] for n in res.throughput_queries], c, window)
                            res.rps[system][c].add(rates[system])
                        res.ratio_rps[c].add(rates[ZHILI] / rates[OXI_MEM])
                        res.ratio_front_rps[c].add(rates[FRONT] / rates[OXI_MEM])
                        for system, url in cold_systems.items():
                            rates[system] = throughput(url, [mix[n] for n in res.throughput_queries], c, window,
                                                       cold=True)
                            res.cold_rps[system][c].add(rates[system])
                        res.ratio_cold_rps[c].add(rates[ZHILI] / rates[OXI_MEM])
                        res.ratio_front_cold_rps[c].add(rates[FRONT] / rates[OXI_MEM])
        finally:
            for p in processes:
                p.terminate()
    return res


def report(res: EndpointResults, runs: int, rounds: int, window: float) -> list[str]:
    lines = ["## 1. SPARQL endpoint", "",
             f"Same triples, same query mix, same client (keep-alive connections of the standard library's http.client, each request encoded before "
             f"the clock starts: bench/lean_client.py; loopback; `Accept: application/sparql-results+json`). "
             f"{runs} runs; in each run {rounds} rounds, and in each round every query goes to every system in turn. "
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
    lines += ["", f"### Throughput, requests/s over the mix ({window:g} s windows; clients spread over up to 4 processes)",
              "", "Closed-loop clients cycle through the mix" + (f" without {', '.join(left_out)} (not answered by "
                                                                 "every system)" if left_out else "") + ".", "",
              "| clients | " + " | ".join(res.systems) + " |", "|---" * (len(res.systems) + 1) + "|"]
    for c in clients:
        lines.append(f"| {c} | " + " | ".join(res.rps[s][c].cell(0) for s in res.systems) + " |")
    lines += ["", "Warm above (the mix repeated); cold below (every request a new text):", "",
              "| clients | " + " | ".join(cold_systems) + " |", "|---" * (len(cold_systems) + 1) + "|"]
    for c in clients:
        lines.append(f"| {c} | " + " | ".join(res.cold_rps[s][c].cell(0) for s in cold_systems) + " |")
    if res.failures:
        lines += ["", "### Queries a system did not answer (shown as n/a above)", ""]
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
