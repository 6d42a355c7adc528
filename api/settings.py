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
    data_dir: str | None = field(default=None)  # ZHILI_DATA_DIR: curated data folder (default kg/data)
    store_wait: float = 60.0                 # ZHILI_STORE_WAIT: how long start-up waits for a remote store

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
            data_dir=_env("ZHILI_DATA_DIR", None),
            store_wait=_env("ZHILI_STORE_WAIT", 60.0, float),
        )
