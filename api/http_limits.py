"""Limits on what a client may send, enforced by the HTTP protocol while a request is read, before any ASGI code runs.

uvicorn's httptools protocol accepts request heads of any size (a 64 MB header, a million header lines, a 20 MB URL:
each is buffered whole, with quadratic copying on the way) and waits forever for a head or body that is trickled in
a byte at a time. `LimitedHttpToolsProtocol` counts bytes as they arrive and answers

* 431 when the header fields exceed ZHILI_MAX_HEADERS lines or ZHILI_MAX_HEADER_BYTES bytes,
* 414 when the request target exceeds ZHILI_MAX_URL_BYTES (long SPARQL queries belong in a POST body),
* 408 (then closes) when a request head is not complete ZHILI_HEADER_TIMEOUT seconds after it began (or after the
  connection opened), or when a request body makes no progress for ZHILI_BODY_TIMEOUT seconds or is not complete
  ZHILI_BODY_DEADLINE seconds after its head.

No more than a bounded prefix of an oversized head is ever held (about max URL + max header bytes + 1 KiB), answers
are a line of text that never echoes the request, and after answering the connection is half-closed and the rest of
the input discarded briefly (so the client reads the answer instead of a reset), then closed.

`uvicorn_options(settings)` is the one place `kg serve` and the benchmarks take their uvicorn configuration from.
"""

from __future__ import annotations

import asyncio
import resource

import httptools
from starlette.requests import ClientDisconnect
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from .settings import Settings

HEAD_SLACK = 1024           # request line beyond the URL: method, version, line ends
LINGER_SECONDS = 2.0        # after an error answer: read and discard for at most this long…
LINGER_BYTES = 1024 * 1024  # …or this many bytes, then close
KEEP_ALIVE_SECONDS = 5      # idle time between requests on one connection (uvicorn's default)
BACKLOG = 2048              # pending connections the kernel queues (capped by net.core.somaxconn)


class _Limit(Exception):
    """Raised inside a parser callback to stop parsing; the answer is in `protocol._limit`."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with bounded request heads and timed heads and bodies."""

    max_header_bytes = 16 * 1024
    max_headers = 100
    max_url_bytes = 16 * 1024
    header_timeout = 10.0
    body_timeout = 30.0
    body_deadline = 60.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True          # reading a request head, or waiting for the next one
        self._in_body = False         # head complete, body not yet
        self._head_bytes = 0          # bytes received for the current head (an upper bound on its size)
        self._head_started = False    # a byte of the current request (or the connection) arrived
        self._url_bytes = 0
        self._header_count = 0
        self._header_bytes = 0
        self._body_began = 0.0
        self._body_progress = 0.0
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._limit: tuple[int, str] | None = None
        self._refused = False         # answered with an error: the rest of the input is discarded
        self._discarded = 0

    @property
    def _head_budget(self) -> int:
        return self.max_url_bytes + self.max_header_bytes + HEAD_SLACK

    # ------------------------------------------------------------ connection
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()  # a connection that never sends anything is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            self._discarded += len(data)
            if self._discarded > LINGER_BYTES:
                self.transport.close()
            return
        if not self._in_head:
            self._body_progress = self.loop.time()
            self._feed(data)
        else:
            self._head_started = True
            if self._head_timer is None:
                self._arm_head_timer()
            room = self._head_budget - self._head_bytes
            if len(data) <= room:
                self._head_bytes += len(data)
                self._feed(data)
            else:
                # feed only what a head within the limits could hold; if it is still incomplete, refuse
                self._head_bytes += room
                self._feed(data[:room])
                if self._refused or self.transport.is_closing():
                    return
                if self._in_head:
                    self._refuse(*self._head_too_large())
                    return
                self.data_received(data[room:])
                return
        if self._in_body and self._body_timer is None and not self.transport.is_closing():
            self._body_timer = self.loop.call_later(min(self.body_timeout, self.body_deadline), self._body_timer_fired)

    def _feed(self, data: bytes) -> None:
        """uvicorn's own data_received, answering a limit instead of 400 when a callback stopped the parser."""
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._limit is not None:
                self._refuse(*self._limit)
                return
            msg = "Invalid HTTP request received."
            self.logger.warning(msg)
            self.send_400_response(msg)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self._cancel_timers()
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def _unsupported_upgrade_warning(self) -> None:
        # with ws="none" every Upgrade request (browsers' h2c probes too) is served as plain HTTP; uvicorn would log
        # two warnings for each, one of them about a missing WebSocket library
        self.logger.debug("Upgrade request served as plain HTTP/1.1")

    def _start_asgi_task(self, cycle, app) -> None:
        super()._start_asgi_task(cycle, _quiet_when_gone(app, cycle))

    # ------------------------------------------------------------ parser callbacks
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._url_bytes = self._header_count = self._header_bytes = 0

    def on_url(self, url: bytes) -> None:
        self._url_bytes += len(url)
        if self._url_bytes > self.max_url_bytes:
            self._stop(414, f"request target longer than {self.max_url_bytes} bytes: send long queries with POST "
                            "(application/x-www-form-urlencoded or application/sparql-query)")
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._header_bytes += len(name) + len(value) + 4
        if self._header_count > self.max_headers or self._header_bytes > self.max_header_bytes:
            self._stop(*self._head_too_large())
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head, self._in_body, self._head_bytes, self._head_started = False, True, 0, False
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self._body_began = self._body_progress = self.loop.time()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_head, self._in_body = True, False
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None
        super().on_message_complete()

    # ------------------------------------------------------------ limits and timeouts
    def _head_too_large(self) -> tuple[int, str]:
        if self._url_bytes > self.max_url_bytes:
            return 414, f"request target longer than {self.max_url_bytes} bytes"
        return 431, (f"request header fields too large: at most {self.max_headers} fields of "
                     f"{self.max_header_bytes} bytes in all")

    def _stop(self, status: int, message: str) -> None:
        self._limit = (status, message)
        raise _Limit(message)

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timer_fired)

    def _cancel_timers(self) -> None:
        for timer in (self._head_timer, self._body_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._body_timer = None

    def _head_timer_fired(self) -> None:
        self._head_timer = None
        if not self._in_head or self.transport.is_closing():
            return
        if self.flow.read_paused or (self.cycle is not None and not self.cycle.response_complete):
            # we stopped reading, or the client sent part of its next request while we still work on the last one:
            # it is waiting for us, not we for it
            self._arm_head_timer()
            return
        if not self._head_started:
            self.transport.close()  # nothing of a request arrived: close like an idle keep-alive connection
            return
        self._refuse(408, f"request head not received within {self.header_timeout:g} s")

    def _body_timer_fired(self) -> None:
        self._body_timer = None
        if not self._in_body or self.transport.is_closing():
            return
        now = self.loop.time()
        if self.flow.read_paused:  # the application is not reading the body as fast as it comes: not the client's fault
            self._body_progress = now
            self._body_timer = self.loop.call_later(self.body_timeout, self._body_timer_fired)
            return
        due = min(self._body_progress + self.body_timeout, self._body_began + self.body_deadline)
        if now < due - 0.001:
            self._body_timer = self.loop.call_later(due - now, self._body_timer_fired)
            return
        stalled = self._body_progress + self.body_timeout <= now + 0.001
        self._refuse(408, f"request body stalled for {self.body_timeout:g} s" if stalled else
                          f"request body not received within {self.body_deadline:g} s")

    def _refuse(self, status: int, message: str) -> None:
        """Answer `status` with a short plain-text line and close; with a response still in flight, just close."""
        self._refused = True
        self._cancel_timers()
        if self.transport.is_closing():
            return
        prefix = "%s:%d - " % self.client if self.client else ""
        self.logger.info("%sHTTP %d: %s", prefix, status, message)
        cycle = self.cycle
        if self._in_body:  # `cycle` is this request's: answer only if the application has not begun to
            answerable = not self.pipeline and cycle is not None and not cycle.response_started
        else:              # `cycle` is the previous request's: answer only once its response is complete
            answerable = not self.pipeline and (cycle is None or cycle.response_complete)
        if not answerable:
            self.transport.close()
            return
        if self._in_body:
            # the application is waiting for this body: it sees a disconnect, and anything it sends is dropped
            cycle.disconnected = True
            cycle.message_event.set()
        body = (message + "\n").encode("utf-8")
        content = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([b"content-type: text/plain; charset=utf-8\r\n", b"content-length: %d\r\n" % len(body),
                        b"connection: close\r\n\r\n", body])
        self.transport.write(b"".join(content))
        if self.transport.can_write_eof():
            # half-close and keep reading (and discarding) a little, so the client gets to read the answer rather
            # than a reset caused by closing with its unread data still arriving
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self._linger_over)
        else:
            self.transport.close()

    def _linger_over(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()


def _quiet_when_gone(app, cycle):
    """The application, except that a request whose client is gone (a body timed out above, or the client hung up)
    ending in starlette's ClientDisconnect is not logged as an application error with a traceback: under a
    slow-body attack that would be dozens of log lines per connection."""

    async def run(scope, receive, send) -> None:
        try:
            await app(scope, receive, send)
        except ClientDisconnect:
            if not cycle.disconnected:
                raise

    return run


def protocol_class(settings: Settings) -> type[LimitedHttpToolsProtocol]:
    """The protocol with this configuration's limits."""
    return type("ZhiliHttpProtocol", (LimitedHttpToolsProtocol,), {
        "__module__": __name__,
        "max_header_bytes": settings.max_header_bytes, "max_headers": settings.max_headers,
        "max_url_bytes": settings.max_url_bytes, "header_timeout": settings.header_timeout,
        "body_timeout": settings.body_timeout, "body_deadline": settings.body_deadline,
    })


def connection_limit() -> int:
    """Connections (or requests in progress) served at once before new requests get 503: what the open-file limit
    allows, less a reserve for the store, the query workers and logs, so the server answers 503 instead of
    failing to accept. Slow clients are cut off by the timeouts above, so this is a backstop, not a queue."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 65536
    return max(64, min(16384, soft - max(256, soft // 4)))


def uvicorn_options(settings: Settings) -> dict:
    """Keyword arguments for `uvicorn.run` / `uvicorn.Config`, shared by `kg serve` and the benchmarks."""
    return {
        "http": protocol_class(settings),
        "ws": "none",  # no WebSocket routes: an Upgrade request must not switch to a protocol without these limits
        "limit_concurrency": connection_limit(),
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "backlog": BACKLOG,
    }
