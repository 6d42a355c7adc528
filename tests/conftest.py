"""Shared fixtures: the store is built once per session from the curated files."""

from __future__ import annotations

import pytest

from kg.store import build_store
from kg.validate import validate


@pytest.fixture(scope="session")
def store():
    return build_store()


@pytest.fixture(scope="session")
def base_report():
    return validate()


import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
LIVE_TIMEOUT = 3.0  # the query time limit of the live test server, in seconds
LIVE_MAX_ROWS = 2000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`kg serve` in a subprocess on a free loopback port: the real app over real HTTP."""

    def __init__(self, env: dict[str, str], prefix: list[str] | None = None, args: tuple[str, ...] = ()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        kg = str(Path(sys.executable).parent / "kg")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log = open(ARTIFACTS / f"server-{self.port}.log", "wb")
        self.process = subprocess.Popen((prefix or []) + [kg, "serve", "--port", str(self.port), "--log-level", "warning",
                                                         *args],
                                        env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log.name}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("server did not become healthy in 120 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class OxigraphServer:
    """The Oxigraph server binary from the `oxigraph` PyPI package, on a free loopback port."""

    engine = "oxigraph"

    def __init__(self, location: Path, timeout_s: float | None = None):
        self.location = location
        self.timeout_s = timeout_s
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.query_url, self.store_url = self.base + "/query", self.base + "/store"
        self.process = None
        self.start()

    def start(self) -> None:
        binary = str(Path(sys.executable).parent / "oxigraph")
        args = [binary, "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"]
        if self.timeout_s:
            args += ["--timeout-s", str(int(self.timeout_s))]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.post(self.query_url, data={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("oxigraph server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)

    def load(self) -> None:
        kg = str(Path(sys.executable).parent / "kg")
        subprocess.run([kg, "load", "--endpoint", self.store_url], check=True, capture_output=True, timeout=300)


VIRTUOSO = "/usr/bin/virtuoso-t"
ISQL = "/usr/bin/isql-vt"
VIRTUOSO_INI = ROOT / "store" / "virtuoso.ini"  # the compose service's ini: the tests start from the same settings


def virtuoso_ini(location: Path, sql_port: int, http_port: int, timeout_s: float | None,
                 max_rows: int = 1_000_000) -> str:
    """store/virtuoso.ini with the database in `location`, both ports on loopback, and a small footprint."""
    import configparser
    import math

    ini = configparser.ConfigParser(interpolation=None, comment_prefixes=(";", "#"), inline_comment_prefixes=(";",),
                                    strict=True)
    ini.optionxform = str  # Virtuoso's keys are CamelCase
    ini.read(VIRTUOSO_INI, encoding="utf-8")
    for section in ("Database", "TempDatabase"):
        for key, value in ini[section].items():
            if value.startswith("/database/"):
                ini[section][key] = str(location / value.removeprefix("/database/"))
    ini["Parameters"].update({
        "ServerPort": f"127.0.0.1:{sql_port}",
        "NumberOfBuffers": "2000",        # 8 KB pages: ~17 MB of cache, plenty for the test datasets
        "MaxDirtyBuffers": "1500",
        "IndexTreeMaps": "16",            # fewer page-map mutexes: ~80 MB less resident memory at start
        "ThreadsPerQuery": "1",
        "AsyncQueueMaxThreads": "2",
        "CheckpointInterval": "600",      # minutes: no checkpoint during a test run (SIGTERM skips it too;
    })                                    # the transaction log is rolled forward at the next start)
    ini["HTTPServer"]["ServerPort"] = f"127.0.0.1:{http_port}"
    ini["SPARQL"].update({
        "ResultSetMaxRows": str(max_rows),  # Virtuoso cuts results at this many rows (default 10000)
        "MaxQueryExecutionTime": str(max(1, math.ceil(timeout_s)) if timeout_s else 30),
    })
    out = io.StringIO()
    ini.write(out)
    return out.getvalue()


class VirtuosoServer:
    """Debian's OpenLink Virtuoso 7 (`virtuoso-t`, `make system-deps` installs it) on a throwaway database
    in `location`, SQL and HTTP on free loopback ports, configured from store/virtuoso.ini.

    The same interface as OxigraphServer: SPARQL at `query_url` (anonymous, read-only), the Graph Store
    protocol at `store_url` (HTTP Digest auth as `user`/`password`: dba/dba on a fresh database, or
    `password` when given, set through isql like store/virtuoso-entrypoint.sh does); `stop()` and
    `start()` again keep the database and the ports. A fresh database takes about 2-4 s to start."""

    engine = "virtuoso"
    user = "dba"

    def __init__(self, location: Path, timeout_s: float | None = None, password: str | None = None,
                 max_rows: int = 1_000_000):
        if not Path(VIRTUOSO).exists():
            raise RuntimeError(f"{VIRTUOSO} not found: run `make system-deps` (Debian package virtuoso-opensource)")
        self.location = Path(location)
        self.location.mkdir(parents=True, exist_ok=True)
        self.timeout_s = timeout_s
        self.sql_port = free_port()
        self.port = free_port()
        while self.port == self.sql_port:
            self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.query_url, self.store_url = self.base + "/sparql", self.base + "/sparql-graph-crud-auth"
        self.password = "dba"
        self.ini = self.location / "virtuoso.ini"
        self.ini.write_text(virtuoso_ini(self.location, self.sql_port, self.port, timeout_s, max_rows), encoding="utf-8")
        self.process = None
        self.start()
        if password is not None and password != self.password:
            self.set_password(password)

    def _log_tail(self) -> str:
        log = self.location / "virtuoso.log"
        return log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else "(no log)"

    def start(self) -> None:
        self.process = subprocess.Popen([VIRTUOSO, "+configfile", str(self.ini), "+foreground"], cwd=self.location,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso exited with {self.process.returncode}:\n{self._log_tail()}")
            try:
                if httpx.post(self.query_url, data={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"virtuoso did not answer ASK {{}} in 90 s:\n{self._log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # "quick shutdown": no checkpoint, the log is replayed at the next start
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def isql(self, script: str, password: str | None = None) -> subprocess.CompletedProcess:
        """Run SQL statements through isql-vt on the SQL port (statements on stdin, so a new password they
        set never appears in argv). isql exits 0 even when a statement fails: check the effect, not the code."""
        return subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", self.user, password or self.password],
                              input=script, capture_output=True, text=True, timeout=60)

    def set_password(self, password: str) -> None:
        literal = password.replace("\\", "\\\\").replace("'", "''")  # Virtuoso reads C escapes in SQL strings
        self.isql(f"USER_SET_PASSWORD('{self.user}', '{literal}');\ncheckpoint;\n")
        probe = subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", self.user, self.password, "EXEC=select 1;"],
                               capture_output=True, timeout=60)
        if probe.returncode == 0:
            raise RuntimeError("virtuoso still accepts the old dba password")
        self.password = password

    def load(self) -> None:
        kg = str(Path(sys.executable).parent / "kg")
        env = {**os.environ, "ZHILI_STORE_USER": self.user, "ZHILI_STORE_PASSWORD": self.password}
        subprocess.run([kg, "load", "--endpoint", self.store_url], env=env, check=True, capture_output=True, timeout=300)


def start_live(mode: str, tmp_path_factory, **env: str) -> LiveServer:
    """mode: "embedded", "remote" (an Oxigraph server) or "virtuoso" (remote mode on OpenLink Virtuoso)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = {"ZHILI_QUERY_TIMEOUT": str(LIVE_TIMEOUT), "ZHILI_MAX_ROWS": str(LIVE_MAX_ROWS), "ZHILI_QUEUE_TIMEOUT": "20"}
    store = None
    if mode == "remote":
        store = OxigraphServer(tmp_path_factory.mktemp("oxigraph"), timeout_s=LIVE_TIMEOUT + 1)
    elif mode == "virtuoso":
        store = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"), timeout_s=LIVE_TIMEOUT + 1)
        base.update(ZHILI_STORE_USER=store.user, ZHILI_STORE_PASSWORD=store.password)
    if store is not None:
        store.load()
        base["ZHILI_STORE"] = store.query_url
    server = LiveServer({**base, **env})
    server.mode, server.store = mode, store
    server.oxigraph = store  # the remote store, whichever engine (older tests name it so)
    return server


@pytest.fixture(scope="session", params=["embedded", "remote", "virtuoso"])
def live(request, tmp_path_factory):
    """The app over real HTTP: on the embedded store, and in remote mode on a live Oxigraph server and on
    OpenLink Virtuoso, each loaded by `kg load`."""
    server = start_live(request.param, tmp_path_factory)
    yield server
    server.stop()
    if server.store:
        server.store.stop()


@pytest.fixture(scope="session")
def http(live):
    with httpx.Client(base_url=live.url, timeout=30) as client:
        yield client


# ---------------------------------------------------------------- browser (one per session)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by playwright (never `playwright install`)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Recorder:
    """Every request a page makes and every JavaScript error it raises."""

    def __init__(self, base: str):
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []

    def outside(self) -> list[str]:
        return [u for u in self.requests if not (u.startswith(self.base) or u.startswith(("data:", "blob:", "about:")))]


@pytest.fixture()
def page(browser, live, request):
    """A fresh browser page on the live server; fails the test if any request leaves 127.0.0.1 or any
    JavaScript error is raised, and saves a screenshot as a test artifact."""
    context = browser.new_context(viewport={"width": 1500, "height": 950})
    page = context.new_page()
    recorder = Recorder(live.url)
    page.on("request", lambda r: recorder.requests.append(r.url))
    page.on("pageerror", lambda e: recorder.errors.append(str(e)))
    yield page
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()
    assert recorder.outside() == [], f"requests left 127.0.0.1: {recorder.outside()}"
    assert recorder.errors == [], f"JavaScript errors: {recorder.errors}"
