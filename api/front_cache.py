"""A shared HTTP cache in front of Zhili: Debian's nginx with `proxy_cache`, started by `kg serve --front-cache`.

Why: a repeated GET answered by any Python server here costs 0.14–0.2 ms (bench section 1's fixed-answer
floor), more than half of what the Oxigraph server takes to evaluate a small query, so answers that cannot
change while a release is served are kept in front of Python (nginx: ~0.08 ms), as the Wikidata Query Service
keeps its answers in an HTTP cache. nginx is a maintained C server
that implements the HTTP caching rules Zhili's answers are written for (api/http_cache.py): it stores only what
the app marks `Cache-Control: public, max-age=…` (200 answers to GET and HEAD; never errors, /health or POSTs),
keeps one variant per value of every header the answer names in `Vary`, answers `If-None-Match` itself, and on
expiry revalidates with the app's `ETag`. Its cache starts empty on every start, so a new build or release never
meets an old answer. Misses go to the app unchanged; the app sees each client's own address (the proxy sets
`X-Forwarded-For` to its peer, overwriting whatever the client sent, and is the only trusted proxy), so per-client
fairness holds. The proxy's own request limits are set above the app's, so the app's precise 4xx still decide.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .clients import trusted_networks
from .settings import Settings

STATUS_HEADER = "Zhili-Front-Cache"  # HIT, MISS, EXPIRED, REVALIDATED, BYPASS…: nginx's $upstream_cache_status
UPSTREAM_KEEPALIVE = 64  # idle connections to the app kept open (fewer than uvicorn's connection limit)


class FrontCacheError(RuntimeError):
    """nginx is missing or did not start."""


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if not found:
        raise FrontCacheError("the front cache needs nginx (Debian: apt-get install nginx-light; `make system-deps` "
                              "installs it)")
    return found


def _listen(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def render_config(prefix: Path, host: str, port: int, upstream_port: int, settings: Settings) -> str:
    """nginx.conf for one front cache: everything it writes stays under `prefix`."""
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""  # workers never run as root
    body_limit = max(settings.max_query_bytes * 4, 1024 * 1024)  # URL-encoding triples a text at most
    header_buffer = max(settings.max_url_bytes, settings.max_header_bytes) * 2
    read_timeout = int(settings.query_timeout + settings.queue_timeout + 30)
    # proxies the operator trusts in front of this one: nginx then takes the client from X-Forwarded-For by the
    # same rule as api/clients.py (the right-most address that is not a trusted proxy)
    real_ip = "".join(f"        set_real_ip_from {net};\n" for net in trusted_networks(settings.trusted_proxies or ""))
    if real_ip:
        real_ip += "        real_ip_header X-Forwarded-For;\n        real_ip_recursive on;\n"
    return f"""{user}worker_processes auto;
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    server_tokens off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    proxy_cache_path {prefix}/cache levels=1:2 keys_zone=zhili:32m max_size={settings.front_cache_bytes} inactive=1d
                     use_temp_path=off;
    client_max_body_size {body_limit};
    client_header_buffer_size 4k;
    large_client_header_buffers 8 {header_buffer};
    client_header_timeout {max(int(settings.header_timeout), 1)}s;
    client_body_timeout {max(int(settings.body_timeout), 1)}s;
    keepalive_timeout 5s;
    upstream zhili {{
        server 127.0.0.1:{upstream_port};
        keepalive {UPSTREAM_KEEPALIVE};
        keepalive_timeout 4s;
    }}
    server {{
        listen {_listen(host, port)};
{real_ip}        location / {{
            proxy_pass http://zhili;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout {read_timeout}s;
            proxy_buffering on;
            proxy_max_temp_file_size {settings.max_result_bytes * 2};
            proxy_cache zhili;
            proxy_cache_methods GET HEAD;
            proxy_cache_key $scheme$request_uri;
            proxy_cache_revalidate on;
            proxy_cache_lock on;
            proxy_cache_lock_timeout {read_timeout}s;
            add_header {STATUS_HEADER} $upstream_cache_status always;
        }}
    }}
}}
"""


def _die_with_parent() -> None:
    """Runs in the child before exec: nginx's master gets SIGTERM if the thread that started it ends (so if
    `kg serve` dies without cleaning up)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class FrontCache:
    """One nginx process and the folder it writes in; `start()` once, `stop()` any number of times."""

    def __init__(self, host: str, port: int, upstream_port: int, settings: Settings):
        self.host, self.port, self.upstream_port, self.settings = host, port, upstream_port, settings
        self.url = f"http://{_listen(host, port)}"
        self.prefix: Path | None = None
        self.process: subprocess.Popen | None = None
        self._lock = threading.Lock()  # start (a watcher thread) and stop (the serving thread) never interleave
        self._stopped = threading.Event()

    def start(self, ready_timeout: float = 10.0) -> None:
        with self._lock:
            if self._stopped.is_set():
                raise FrontCacheError("the front cache was stopped before it started")
            self._start(ready_timeout)

    def _start(self, ready_timeout: float) -> None:
        binary = nginx_binary()
        if self.settings.front_cache_bytes < 1024 ** 2:
            raise FrontCacheError("ZHILI_FRONT_CACHE_BYTES must be at least 1M for the front cache")
        self.prefix = prefix = Path(tempfile.mkdtemp(prefix="zhili-front-cache-"))
        try:
            for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"):
                (prefix / folder).mkdir()
            if os.geteuid() == 0:
                import grp
                import pwd

                nobody, nogroup = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
                for path in [prefix, *prefix.iterdir()]:
                    os.chown(path, nobody, nogroup)
            conf = prefix / "nginx.conf"
            conf.write_text(render_config(prefix, self.host, self.port, self.upstream_port, self.settings),
                            encoding="utf-8")
            check = subprocess.run([binary, "-t", "-q", "-p", str(prefix), "-c", str(conf)], capture_output=True,
                                   text=True)
            if check.returncode != 0:
                raise FrontCacheError(f"nginx refused its configuration: {check.stderr.strip()}")
            self.process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                                            preexec_fn=_die_with_parent)
            _wait_listening(self.host, self.port, self.process, ready_timeout)
        except BaseException:
            self._stop()
            raise

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            self._stop()

    def wait_stopped(self) -> None:
        self._stopped.wait()

    def _stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self.prefix is not None:
            shutil.rmtree(self.prefix, ignore_errors=True)
            self.prefix = None


@contextmanager
def running(host: str, port: int, upstream_port: int, settings: Settings) -> Iterator[FrontCache]:
    """nginx listening on host:port in front of an app already serving on 127.0.0.1:upstream_port."""
    front = FrontCache(host, port, upstream_port, settings)
    front.start()
    try:
        yield front
    finally:
        front.stop()


def serve_behind_front_cache(host: str, port: int, log_level: str, settings: Settings) -> int:
    """`kg serve --front-cache`: the app on a loopback port only nginx uses, and nginx on host:port, started once
    the app serves (so the public port opens when answers can be given, as without the cache). The app trusts
    nginx alone to name the client; nginx applies ZHILI_TRUSTED_PROXIES to any proxies in front of it."""
    import sys

    import uvicorn

    from .http_limits import uvicorn_options

    try:
        nginx_binary()  # fail before the app's start-up, not after it
    except FrontCacheError as exc:
        print(f"kg serve: {exc}", file=sys.stderr)
        return 1
    upstream_port = _free_loopback_port()
    os.environ["ZHILI_TRUSTED_PROXIES"] = "127.0.0.1"
    server = uvicorn.Server(uvicorn.Config("api.app:create_app", factory=True, host="127.0.0.1", port=upstream_port,
                                           log_level=log_level, **uvicorn_options(settings)))
    front = FrontCache(host, port, upstream_port, settings)
    failure: list[str] = []

    def start_front_when_app_serves() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.02)
        if server.should_exit:
            return
        try:
            front.start()
        except FrontCacheError as exc:
            failure.append(str(exc))
            server.should_exit = True
            return
        print(f"kg serve: front cache (nginx) on {front.url}, app on 127.0.0.1:{upstream_port}", file=sys.stderr,
              flush=True)
        front.wait_stopped()  # nginx's parent-death signal follows the thread that started it: stay alive

    threading.Thread(target=start_front_when_app_serves, daemon=True).start()
    # uvicorn re-raises SIGTERM once it has shut down; with Python's handler in place of the default (which ends
    # the process at once), the finally below still stops nginx and removes its folder
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        server.run()
    finally:
        front.stop()
    if failure:
        print(f"kg serve: {failure[0]}", file=sys.stderr)
        return 1
    return 0


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_listening(host: str, port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise FrontCacheError(f"nginx exited with {process.returncode} at start-up (port {port} taken?)")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise FrontCacheError(f"nginx did not listen on {host}:{port} within {timeout:g} s")
