"""The benchmark harness runs end to end on tiny sizes (its figures are not checked: speed is
measured in bench/, never asserted in tests). What is checked is that every section produced
its table, from real servers, and that the headline rows are all there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_harness_writes_every_section(tmp_path):
    out = tmp_path / "RESULTS.md"
    readme_before = (ROOT / "README.md").read_bytes()
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--out", str(out)],
                          capture_output=True, text=True, timeout=1200, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    for heading in ("## 1. SPARQL endpoint", "## 2. REST API", "## 3. Scale", "## 4. Graph view", "## 5. Remote mode",
                    "- Machine:", "- Versions:"):
        assert heading in text, heading
    # every system answered the mix warm: a figure for each of the five systems (Zhili, Zhili behind its front
    # cache, two Oxigraph servers, rdflib-endpoint) and the fixed-answer floor, and the three ratios; and cold:
    # Zhili, the Oxigraph server, the front cache and two ratios
    lookups = [line for line in text.splitlines() if line.startswith("| lookup |")]
    assert lookups[0].count("**") == 18 and lookups[1].count("**") == 10
    # the scale section built and served a synthetic graph bigger than the real one
    assert "| 12 (synthetic), on-disk store |" in text
    real = next(l for l in text.splitlines() if l.startswith("| 7 (real graph), on-disk store |"))
    synthetic = next(l for l in text.splitlines() if l.startswith("| 12 (synthetic), on-disk store |"))
    triples = lambda row: int(row.split("|")[2].strip().replace(",", ""))  # noqa: E731
    assert triples(synthetic) > triples(real) > 10_000
    for measure in ("warm (repeated GET): Zhili ÷ Oxigraph server", "cold (new text, POST): Zhili ÷ Oxigraph server",
                    "fixed-answer server", "rdflib-endpoint ÷ Zhili",
                    "warm: Zhili behind its front cache (nginx) ÷ Oxigraph server",
                    "cold: Zhili behind its front cache ÷ Oxigraph server",
                    "throughput at 2 client(s), warm: Zhili behind its front cache ÷ Oxigraph server",
                    "throughput at 2 client(s), cold: Zhili behind its front cache ÷ Oxigraph server", "REST `search`", "start-up at N = 12",
                    "graph view, curated graph: click to panel", "remote mode on oxigraph, cold p50",
                    "remote mode on oxigraph, warm p50"):
        assert measure in text, measure
    assert (ROOT / "README.md").read_bytes() == readme_before  # --smoke never rewrites the README
