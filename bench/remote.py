"""Section 5: remote mode. Zhili in front of a store (Oxigraph server, OpenLink Virtuoso) loaded by `kg load`,
beside the same query sent straight to the same store.

"Straight" is the request Zhili itself forwards: the project prologue, the query, the release's default
graph (its union graph, kg/release.py) and its file graphs as named graphs; so the ratio is what Zhili adds
(guard, forwarding, parsing and re-writing the answer). Cold requests send a text never sent before, to Zhili
(no answer cache) and to the store alike; warm ones repeat the example's text (a GET to Zhili, which answers
from its cache; the same POST to the store, which has none). For reference, the same query straight to the
store with the default graph formed per query from the release's file graphs (the layout before union graphs)
is timed in the same rounds.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from common import BIN, ROOT, Spread, free_port, zhili_server
from endpoints import answer
import wrk

ACCEPT = "application/sparql-results+json"


@dataclass
class RemoteResults:
    engines: list[str]
    queries: list[str]
    zhili: dict = field(default_factory=dict)  # engine -> query -> Spread of p50 (ms)
    straight: dict = field(default_factory=dict)
    merged: dict = field(default_factory=dict)  # the per-query merge of the file graphs, straight to the store
    ratio: dict = field(default_factory=dict)  # engine -> query -> Spread of per-run Zhili ÷ straight
    warm_zhili: dict = field(default_factory=dict)  # engine -> query -> Spread of p50, the text repeated
    warm_straight: dict = field(default_factory=dict)
    warm_ratio: dict = field(default_factory=dict)


def _examples(only: list[str] | None) -> dict[str, str]:
    from kg.examples import load_examples

    return {e.slug: e.query for e in load_examples() if only is None or e.slug[:2] in only}


def _store(engine: str):
    location = Path(tempfile.mkdtemp(prefix=f"zhili-bench-{engine}-"))
    if engine == "oxigraph":
        port = free_port()
        process = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--location", str(location), "--bind",
                                    f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.post(base + "/query", data={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        subprocess.run([str(BIN / "kg"), "load", "--endpoint", base + "/store"], check=True, capture_output=True)
        return base + "/query", {}, process.terminate
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import VirtuosoServer  # the suite's throwaway-database server, same settings as store/

    server = VirtuosoServer(location, timeout_s=30)
    server.load()
    return server.query_url, {"ZHILI_STORE_USER": server.user, "ZHILI_STORE_PASSWORD": server.password}, server.stop


def run(engines: list[str], runs: int = 3, seconds: int = 1, examples: list[str] | None = None) -> RemoteResults:
    """Each cell is `seconds` of one wrk connection (bench/wrk.py) sending one example; the five kinds of request
    for an example go in turn, so each ratio comes from the same seconds."""
    from kg.namespaces import PREFIXES
    from kg.release import RECORD_QUERY, release_from_rows

    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())  # as api/remote.py sends it
    mix = _examples(examples)
    res = RemoteResults(engines, list(mix))
    for engine in engines:
        query_url, env, stop = _store(engine)
        try:
            with zhili_server({"ZHILI_STORE": query_url, **env}) as zhili, httpx.Client(timeout=120) as client:
                rows = client.post(query_url, data={"query": RECORD_QUERY}, headers={"Accept": ACCEPT}).json()
                release = release_from_rows([{k: (v["value"] if k not in ("quads", "union_triples") else int(v["value"]))
                                              for k, v in row.items()} for row in rows["results"]["bindings"]])
                assert release and release.union, "the store holds no release with a union graph"
                named = [("named-graph-uri", g) for g in release.graphs]
                straight = [("default-graph-uri", release.union)] + named
                merged = [("default-graph-uri", g) for g in release.graphs] + named
                for table in (res.zhili, res.straight, res.merged, res.ratio, res.warm_zhili, res.warm_straight,
                              res.warm_ratio):
                    table[engine] = {q: Spread() for q in mix}
                endpoint = zhili.url + "/sparql"
                for name, q in mix.items():  # warm the store's own caches and Zhili's parser and answer cache
                    answer(client, endpoint, q)
                    answer(client, query_url, prologue + q, "POST", straight)
                for _ in range(runs):
                    for name, q in mix.items():
                        z = wrk.run(endpoint, [q], cold=True, seconds=seconds).p50_ms
                        s = wrk.run(query_url, [prologue + q], cold=True, params=straight, seconds=seconds).p50_ms
                        res.merged[engine][name].add(wrk.run(query_url, [prologue + q], cold=True, params=merged,
                                                             seconds=seconds).p50_ms)
                        wz = wrk.run(endpoint, [q], seconds=seconds).p50_ms
                        ws = wrk.run(query_url, [prologue + q], method="POST", params=straight, seconds=seconds).p50_ms
                        res.zhili[engine][name].add(z)
                        res.straight[engine][name].add(s)
                        res.ratio[engine][name].add(z / s)
                        res.warm_zhili[engine][name].add(wz)
                        res.warm_straight[engine][name].add(ws)
                        res.warm_ratio[engine][name].add(wz / ws)
        finally:
            stop()
    return res


def report(res: RemoteResults, runs: int, seconds: int) -> list[str]:
    lines = ["## 5. Remote mode", "", __doc__.split("\n\n", 1)[1].strip(), "",
             f"{runs} runs; in each, {seconds} s of one wrk connection per example and kind of request. "
             "Cells: median over runs (min–max) of the per-run p50, ms.", ""]
    for engine in res.engines:
        lines += [f"### {engine}", "", "| query | cold: Zhili (remote mode) | cold: straight to the store | "
                  "cold: Zhili ÷ straight | cold: straight, default graph merged per query (before) | "
                  "warm: Zhili | warm: straight | warm: Zhili ÷ straight |", "|---|---|---|---|---|---|---|---|"]
        for q in res.queries:
            lines.append(f"| {q} | {res.zhili[engine][q].cell()} | {res.straight[engine][q].cell()} | "
                         f"{res.ratio[engine][q].cell()}× | {res.merged[engine][q].cell()} | "
                         f"{res.warm_zhili[engine][q].cell()} | {res.warm_straight[engine][q].cell()} | "
                         f"{res.warm_ratio[engine][q].cell()}× |")
        lines.append("")
    return lines


def headline(res: RemoteResults) -> list[tuple[str, str, str, bool | None]]:
    rows = []
    for engine in res.engines:
        worst = max(res.ratio[engine].items(), key=lambda item: item[1].median)
        within = sum(s.median <= 1.3 for s in res.ratio[engine].values())
        rows.append((f"remote mode on {engine}, cold p50: Zhili ÷ the same query straight to the store "
                     f"(worst of {len(res.queries)} examples: `{worst[0]}`; {within} of {len(res.queries)} ≤ 1.3×)",
                     worst[1].cell() + "×", "≤ 1.3× each", within == len(res.queries)))
        warm = max(res.warm_ratio[engine].items(), key=lambda item: item[1].median)
        rows.append((f"remote mode on {engine}, warm p50: Zhili ÷ the same query straight to the store "
                     f"(worst of {len(res.queries)} examples: `{warm[0]}`)", warm[1].cell() + "×", "≤ 1.3× each",
                     all(s.median <= 1.3 for s in res.warm_ratio[engine].values())))
    return rows
