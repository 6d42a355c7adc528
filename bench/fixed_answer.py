"""The floor for a warm SPARQL answer: an ASGI app on the same stack as Zhili (uvicorn, httptools, uvloop) that
answers every request with the same few bytes, without reading the query. No cache can answer faster through
this stack and this client, so (floor ÷ Oxigraph) is the least ratio any answer cache could reach on a query."""

from __future__ import annotations

import subprocess
from contextlib import contextmanager

from common import BENCH, BIN, free_port

BODY = b'{"head":{"vars":["x"]},"results":{"bindings":[]}}'
HEADERS = [(b"content-type", b"application/sparql-results+json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


@contextmanager
def fixed_answer_server():
    """The app on a free port; yields its URL once it answers."""
    import time

    import httpx

    port = free_port()
    launch = (f"import uvicorn; uvicorn.run('fixed_answer:app', app_dir={str(BENCH)!r}, host='127.0.0.1', "
              f"port={port}, log_level='warning', http='httptools', loop='uvloop', lifespan='off')")
    process = subprocess.Popen([str(BIN / "python"), "-c", launch])
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        for _ in range(300):
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the fixed-answer server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
