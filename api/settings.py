"""Service settings, read from ZHILI_* environment variables (documented in the README)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str, default, cast=str):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return cast(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not a valid {cast.__name__}") from exc


def byte_size(text: str) -> int:
    """'2G', '512M', '1048576' -> bytes (0 means no limit)."""
    units = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def trusted_proxy_list(text: str) -> str:
    """Check 'addr, net/len, …' now, so a typo fails at start-up rather than per request."""
    from .clients import trusted_networks

    trusted_networks(text)
    return text


DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def base_url(text: str) -> str:
    """'https://example.org/zhili/' -> 'https://example.org/zhili': an absolute http(s) URL without query or fragment."""
    from urllib.parse import urlsplit

    text = text.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"not an absolute http(s) URL: {text!r}")
    return text


def non_negative(text: str) -> int:
    """'300' -> 300; a negative number is refused at start-up."""
    value = int(text)
    if value < 0:
        raise ValueError(f"negative: {text!r}")
    return value


def flag(text: str) -> bool:
    """'1', 'true', 'yes', 'on' -> True; '0', 'false', 'no', 'off' -> False."""
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a yes/no value: {text!r}")


@dataclass(frozen=True)
class Settings:
    """Limits of the public endpoint; every one is an environment variable."""

    store: str = "embedded"                  # ZHILI_STORE: "embedded", a `kg build` store folder, or a SPARQL query URL
    update_url: str | None = None            # ZHILI_UPDATE_URL: Graph Store URL `kg load` writes to
    store_user: str | None = None            # ZHILI_STORE_USER
    store_password: str | None = None        # ZHILI_STORE_PASSWORD
    query_timeout: float = 10.0              # ZHILI_QUERY_TIMEOUT (seconds): hard limit per SPARQL query
    max_rows: int = 10_000                   # ZHILI_MAX_ROWS: result rows (or triples) returned at most
    max_result_bytes: int = 16 * 1024 * 1024  # ZHILI_MAX_RESULT_BYTES
    max_query_bytes: int = 64 * 1024         # ZHILI_MAX_QUERY_BYTES: size of a query text
    workers: int = 2                         # ZHILI_QUERY_WORKERS: processes that run /sparql queries
    queue_timeout: float = 10.0              # ZHILI_QUEUE_TIMEOUT: wait for a free worker before 503
    query_memory: int = 2 * 1024 ** 3         # ZHILI_QUERY_MEMORY (bytes, or with K/M/G): private memory per query worker
    client_queries: int = 2                  # ZHILI_CLIENT_QUERIES: queries one client may have running or waiting
    trusted_proxies: str | None = None       # ZHILI_TRUSTED_PROXIES: proxies whose X-Forwarded-For names the client
    data_dir: str | None = field(default=None)  # ZHILI_DATA_DIR: curated data folder (default kg/data)
    store_wait: float = 60.0                 # ZHILI_STORE_WAIT: how long start-up waits for a remote store
    release_poll: float = 5.0                # ZHILI_RELEASE_POLL: seconds between checks of the remote release
    verify_interval: float = 300.0           # ZHILI_VERIFY_INTERVAL: seconds between full checksum checks (remote)
    max_header_bytes: int = 16 * 1024        # ZHILI_MAX_HEADER_BYTES: header fields of a request, in all (else 431)
    max_headers: int = 100                   # ZHILI_MAX_HEADERS: header fields of a request (else 431)
    max_url_bytes: int = 16 * 1024           # ZHILI_MAX_URL_BYTES: request target (else 414: long queries go in POST)
    header_timeout: float = 10.0             # ZHILI_HEADER_TIMEOUT: a request head must arrive within this (else 408)
    body_timeout: float = 30.0               # ZHILI_BODY_TIMEOUT: longest pause while a request body arrives (else 408)
    body_deadline: float = 60.0              # ZHILI_BODY_DEADLINE: a request body must arrive within this (else 408)
    public_url: str = DEFAULT_PUBLIC_URL     # ZHILI_PUBLIC_URL: this service's address, for every absolute URL it writes
    bench_synthetic: bool = False            # ZHILI_BENCH_SYNTHETIC: serve /api/graph?synthetic=N (benchmarks only)
    cache_max_age: int = 300                 # ZHILI_CACHE_MAX_AGE: seconds a client or shared cache may reuse an answer
    answer_cache_bytes: int = 64 * 1024 ** 2  # ZHILI_ANSWER_CACHE_BYTES (bytes, or with K/M/G): SPARQL answers kept; 0: none
    front_cache_bytes: int = 256 * 1024 ** 2  # ZHILI_FRONT_CACHE_BYTES (bytes, or with K/M/G): disk for `kg serve --front-cache`

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            store=_env("ZHILI_STORE", "embedded"),
            update_url=_env("ZHILI_UPDATE_URL", None),
            store_user=_env("ZHILI_STORE_USER", None),
            store_password=_env("ZHILI_STORE_PASSWORD", None),
            query_timeout=_env("ZHILI_QUERY_TIMEOUT", 10.0, float),
            max_rows=_env("ZHILI_MAX_ROWS", 10_000, int),
            max_result_bytes=_env("ZHILI_MAX_RESULT_BYTES", 16 * 1024 * 1024, int),
            max_query_bytes=_env("ZHILI_MAX_QUERY_BYTES", 64 * 1024, int),
            workers=_env("ZHILI_QUERY_WORKERS", 2, int),
            queue_timeout=_env("ZHILI_QUEUE_TIMEOUT", 10.0, float),
            query_memory=_env("ZHILI_QUERY_MEMORY", 2 * 1024 ** 3, byte_size),
            client_queries=_env("ZHILI_CLIENT_QUERIES", 2, int),
            trusted_proxies=_env("ZHILI_TRUSTED_PROXIES", None, trusted_proxy_list),
            data_dir=_env("ZHILI_DATA_DIR", None),
            store_wait=_env("ZHILI_STORE_WAIT", 60.0, float),
            release_poll=_env("ZHILI_RELEASE_POLL", 5.0, float),
            verify_interval=_env("ZHILI_VERIFY_INTERVAL", 300.0, float),
            max_header_bytes=_env("ZHILI_MAX_HEADER_BYTES", 16 * 1024, int),
            max_headers=_env("ZHILI_MAX_HEADERS", 100, int),
            max_url_bytes=_env("ZHILI_MAX_URL_BYTES", 16 * 1024, int),
            header_timeout=_env("ZHILI_HEADER_TIMEOUT", 10.0, float),
            body_timeout=_env("ZHILI_BODY_TIMEOUT", 30.0, float),
            body_deadline=_env("ZHILI_BODY_DEADLINE", 60.0, float),
            public_url=_env("ZHILI_PUBLIC_URL", DEFAULT_PUBLIC_URL, base_url),
            bench_synthetic=_env("ZHILI_BENCH_SYNTHETIC", False, flag),
            cache_max_age=_env("ZHILI_CACHE_MAX_AGE", 300, non_negative),
            answer_cache_bytes=_env("ZHILI_ANSWER_CACHE_BYTES", 64 * 1024 ** 2, byte_size),
            front_cache_bytes=_env("ZHILI_FRONT_CACHE_BYTES", 256 * 1024 ** 2, byte_size),
        )
