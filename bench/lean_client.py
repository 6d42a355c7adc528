"""The benchmarks' HTTP client: keep-alive connections from the standard library, requests encoded before the clock
starts. Why not httpx: building a GET whose URL carries a 2 KB query cost httpx ~2 ms a request on this machine,
more than a cached answer takes to arrive, so every system's warm latency was mostly the client's (nginx's cached
`lookup` answer: 2.0 ms through httpx, 0.28 ms through http.client; a raw socket: 0.09 ms)."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlencode, urlsplit

ACCEPT = "application/sparql-results+json"


class Prepared:
    """One request, encoded: what the timed part sends."""

    def __init__(self, method: str, url: str, form: list[tuple[str, str]], accept: str = ACCEPT):
        parts = urlsplit(url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        path = parts.path or "/"
        encoded = urlencode(form)
        self.headers = {"Accept": accept}
        if method == "GET":
            self.method, self.path, self.body = "GET", f"{path}?{encoded}", None
        else:
            self.method, self.path, self.body = "POST", path, encoded.encode("ascii")
            self.headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.url = url


class LeanClient:
    """Keep-alive connections, one per server address; a connection the server closed is opened again and the
    request sent again, with the clock restarted (only a request that is answered is timed)."""

    def __init__(self, timeout: float = 300):
        self.timeout = timeout
        self._connections: dict[tuple[str, int], http.client.HTTPConnection] = {}

    def send(self, request: Prepared) -> tuple[float, int, bytes]:
        """(milliseconds from sending to the last byte of the answer, status, body)."""
        for attempt in range(2):
            connection = self._connections.get(request.address)
            if connection is None:
                connection = self._connections[request.address] = http.client.HTTPConnection(
                    *request.address, timeout=self.timeout)
            started = time.perf_counter()
            try:
                connection.request(request.method, request.path, body=request.body, headers=request.headers)
                response = connection.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest):
                connection.close()
                del self._connections[request.address]
                if attempt:
                    raise
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if response.getheader("connection", "").lower() == "close":
                connection.close()
                del self._connections[request.address]
            return elapsed, response.status, body
        raise AssertionError("unreachable")

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def __enter__(self) -> "LeanClient":
        return self

    def __exit__(self, *_) -> None:
        self.close()
