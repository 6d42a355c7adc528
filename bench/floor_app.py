"""Zhili's app plus one trivial endpoint, the framework's own floor, served by the same process.

Benchmarks serve this instead of `kg serve` so REST timings can be read against
/_bench/floor measured in the same run (FastAPI + uvicorn + the same middleware).
"""

from __future__ import annotations

from api.app import create_app


def create():
    app = create_app()

    @app.get("/_bench/floor", include_in_schema=False)
    async def floor() -> dict[str, bool]:
        return {"ok": True}

    return app
