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

    def __init__(self, env: dict[str, str], prefix: list[str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        kg = str(Path(sys.executable).parent / "kg")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log = open(ARTIFACTS / f"server-{self.port}.log", "wb")
        self.process = subprocess.Popen((prefix or []) + [kg, "serve", "--port", str(self.port), "--log-level", "warning"],
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


def start_live(mode: str, tmp_path_factory, **env: str) -> LiveServer:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = {"ZHILI_QUERY_TIMEOUT": str(LIVE_TIMEOUT), "ZHILI_MAX_ROWS": str(LIVE_MAX_ROWS), "ZHILI_QUEUE_TIMEOUT": "20"}
    oxigraph = None
    if mode == "remote":
        oxigraph = OxigraphServer(tmp_path_factory.mktemp("oxigraph"), timeout_s=LIVE_TIMEOUT + 1)
        oxigraph.load()
        base["ZHILI_STORE"] = oxigraph.query_url
    server = LiveServer({**base, **env})
    server.mode, server.oxigraph = mode, oxigraph
    return server


@pytest.fixture(scope="session", params=["embedded", "remote"])
def live(request, tmp_path_factory):
    """The app over real HTTP, on the embedded store and on a live Oxigraph server loaded by `kg load`."""
    server = start_live(request.param, tmp_path_factory)
    yield server
    server.stop()
    if server.oxigraph:
        server.oxigraph.stop()


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
