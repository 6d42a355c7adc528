"""What every benchmark section shares: servers on free ports, timing statistics, memory, machine facts."""

from __future__ import annotations

import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Spread:
    """One figure over repeated runs: min / median / max."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def cell(self, digits: int = 2) -> str:
        if not self.values:
            return "n/a"
        f = f"{{:.{digits}f}}"
        return (f"**{f.format(self.median)}** ({f.format(min(self.values))}–{f.format(max(self.values))})"
                if len(self.values) > 1 else f"**{f.format(self.median)}**")


def timed(client: httpx.Client, method: str, url: str, **kwargs) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.request(method, url, **kwargs)
    return (time.perf_counter() - started) * 1000, response


class TreeMemory:
    """Peak resident memory of a process and its children, sampled every 50 ms in a thread."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def current(self) -> int:
        total = 0
        try:
            for p in [self.root, *self.root.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.current())
            time.sleep(0.05)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    started_seconds: float
    memory: TreeMemory


@contextmanager
def front_cache(app_url: str):
    """Debian's nginx in front of a running Zhili, configured as `kg serve --front-cache` configures it; yields
    its base URL."""
    from api.front_cache import running
    from api.settings import Settings

    with running("127.0.0.1", free_port(), int(app_url.rsplit(":", 1)[1]), Settings.from_env()) as front:
        yield front.url


@contextmanager
def zhili_server(env: dict[str, str] | None = None, ready_timeout: float = 900.0):
    """Zhili (with the /_bench/floor route) on a free port; yields once /health answers 200.
    Start-up time runs from process start to that first 200; memory is sampled from the start."""
    port = free_port()
    # started the way `kg serve` starts it: the same protocol limits and uvicorn options (api/http_limits.py)
    launch = ("import uvicorn; from api.http_limits import uvicorn_options; from api.settings import Settings; "
              f"uvicorn.run('floor_app:create', factory=True, app_dir={str(BENCH)!r}, host='127.0.0.1', port={port}, "
              "log_level='warning', **uvicorn_options(Settings.from_env()))")
    args = [str(BIN / "python"), "-c", launch]
    started = time.perf_counter()
    # The throughput benchmarks compare Zhili with servers that have no per-client limit, and every
    # benchmark client sends from the one address 127.0.0.1: with the default ZHILI_CLIENT_QUERIES (2)
    # most of their concurrent queries would be refused with 429 and the tables would time refusals.
    # So the limit is lifted here unless the caller (its env argument or the environment) sets it;
    # bench/load.py gives each simulated client its own address and keeps the real default.
    defaults = {"ZHILI_CLIENT_QUERIES": "1000000"}
    process = subprocess.Popen(args, cwd=ROOT, env={**defaults, **os.environ, **(env or {})})
    memory = TreeMemory(process.pid).__enter__()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"Zhili exited with {process.returncode} during start-up")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Zhili did not start in time")
            time.sleep(0.05)
        yield Server(url, process, time.perf_counter() - started, memory)
    finally:
        memory.__exit__()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine() -> str:
    try:
        model = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or "unknown CPU"
    memory = psutil.virtual_memory().total / 2**30
    return (f"{platform.machine()}, {os.cpu_count()} cores ({model}), {memory:.0f} GiB RAM, {platform.platform()}, "
            f"Python {platform.python_version()}")


def versions() -> str:
    names = ["pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "fastapi", "uvicorn", "uvloop", "httptools",
             "pyshacl", "httpx", "playwright"]
    text = ", ".join(f"{n} {package_version(n)}" for n in names)
    try:
        chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        chromium = "chromium not found"
    try:
        from api.front_cache import nginx_binary

        nginx = subprocess.run([nginx_binary(), "-v"], capture_output=True, text=True, timeout=30).stderr.strip()
    except Exception:  # noqa: BLE001 - a missing nginx is reported, not fatal here
        nginx = "nginx not found"
    return f"{text}; {chromium}; {nginx}"
