"""Section 1's load generator: wrk (Debian's package), a C HTTP benchmarking tool driven by a LuaJIT script.

Why not a Python client: a client's own cost is added to every system's latency and caps every system's
throughput, which pulls every ratio towards 1. Through httpx a GET carrying a 2 KB query cost ~2 ms on this
machine, more than Oxigraph takes to answer it; through the standard library's http.client ~0.3 ms; through
wrk the cached answer of nginx takes ~0.1 ms in all. Warm requests are built once per connection; cold ones
append a comment line with a fresh number to the query (a text no server has seen), built in Lua per request.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ACCEPT = "application/sparql-results+json"

_SCRIPT = r"""
local cold = %(cold)s
local method = "%(method)s"
local path = [==[%(path)s]==]
local forms = { %(forms)s }
local headers = { ["Accept"] = "%(accept)s" %(content_type)s }
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tag", "%(nonce)s-" .. threads)
end

function init(args)
  built, i, n = {}, 0, 0
  for k, form in ipairs(forms) do
    if method == "GET" then
      built[k] = wrk.format("GET", path .. "?" .. form, headers)
    else
      built[k] = wrk.format("POST", path, headers, form)
    end
  end
end

function request()
  i = i %% #forms + 1
  if not cold then return built[i] end
  n = n + 1
  return wrk.format("POST", path, headers, forms[i] .. "%%0A%%23+cold+" .. tag .. "-" .. n)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("ZHILI-WRK %%d %%d %%d %%d %%d %%d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


class WrkError(RuntimeError):
    pass


@dataclass
class Outcome:
    requests: int  # answered, whatever the status
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int = 0  # answers that were not 2xx/3xx, and socket errors

    @property
    def rate(self) -> float:
        """Answers per second that were not errors."""
        return (self.requests - self.errors) / self.seconds


def binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise WrkError("the benchmarks need wrk (Debian: apt-get install wrk; `make system-deps` installs it)")
    return found


def run(url: str, queries: list[str], *, cold: bool = False, connections: int = 1, seconds: int = 1,
        method: str = "GET", params: list[tuple[str, str]] = (), strict: bool = True) -> Outcome:
    """Closed-loop: `connections` keep-alive connections, each sending the queries in turn for `seconds`. Warm:
    the same texts again (GET, or POST with method="POST"); cold: every request a new text, POSTed. `params`
    (dataset parameters) go before the query, so a cold request's new line ends the query. strict: an error
    answer or no answer at all raises (latency cells); otherwise they are counted (throughput)."""
    parts = urlsplit(url)
    forms = ", ".join(f"[==[{urlencode([*params, ('query', q)])}]==]" for q in queries)
    posting = cold or method == "POST"
    script = _SCRIPT % {
        "cold": "true" if cold else "false", "method": "POST" if posting else "GET", "path": parts.path or "/",
        "forms": forms, "accept": ACCEPT, "nonce": time.time_ns(),
        "content_type": ', ["Content-Type"] = "application/x-www-form-urlencoded"' if posting else ""}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        threads = min(2, connections)
        done = subprocess.run([binary(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                               "--timeout", "120s", "-s", handle.name, f"{parts.scheme}://{parts.netloc}/"],
                              capture_output=True, text=True, timeout=seconds + 300)
    finally:
        Path(handle.name).unlink()
    line = next((l for l in done.stdout.splitlines() if l.startswith("ZHILI-WRK ")), None)
    if done.returncode != 0 or line is None:
        raise WrkError(f"wrk failed on {url}: {done.stderr.strip()[:300] or done.stdout.strip()[-300:]}")
    count, micros, p50, p99, status_errors, socket_errors = (int(v) for v in line.split()[1:])
    if strict and (status_errors or socket_errors):
        raise WrkError(f"{url}: {status_errors} answers were not 2xx/3xx, {socket_errors} socket errors")
    if strict and count == 0:
        raise WrkError(f"{url}: no answer within {seconds} s")
    return Outcome(count, micros / 1e6, p50 / 1000, p99 / 1000, status_errors + socket_errors)
