"""Run one query straight on a query worker, bypassing the guard, and print what happened as JSON.

Used by tests/test_worker_walls.py, which starts it without CAP_SYS_ADMIN (setpriv), so the
worker cannot enter a network namespace and only the seccomp wall stands between a
SERVICE clause and the network. Arguments: N-Quads file, query.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.sparql.pool import QueryJob, QueryPool  # noqa: E402


async def main(source: str, query: str) -> None:
    pool = QueryPool(source, size=1, timeout=10, queue_timeout=10, kind="nquads")
    await pool.start()
    try:
        outcome = await pool.run(QueryJob(query, "SELECT", "json"))
        print(json.dumps({"walls": pool.walls(), "ok": outcome.ok, "status": outcome.status,
                          "error": outcome.error, "body": outcome.body.decode("utf-8", "replace")}))
    finally:
        await pool.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
