"""HTTP caching of everything a GET can ask for: the served release cannot change under a running process.

Every 200 answer to a GET or HEAD outside /static (which has its own validators) and /health (live state)
carries a weak `ETag` and `Cache-Control: public, max-age=ZHILI_CACHE_MAX_AGE`. The tag is a hash of

- the served release's checksum (a release switch in remote mode changes every tag),
- this build of the code and its settings (a new template or a different row cap is another representation),
- the request's path and query string (`?lang=`, `?format=`, a SPARQL query and its dataset parameters),
- and every header the answer is negotiated on: `Accept` and `Accept-Language`.

So a tag is known before the answer is built: a request whose `If-None-Match` names it gets a 304 without
running the handler, once the process has served that tag (it then knows the answer's `Vary` to repeat);
before that the handler runs and its 200 is turned into a 304 on the way out. The tags are weak (`W/`): the
answer means the same for the whole release, but the bytes of a query without ORDER BY may come out in
another row order from another worker. While a remote store does not hold the release (every store answer
is refused then), no 304 is sent either.

`Vary: Accept` is added to every response by api/security.py; HTML adds `Accept-Language` here too, since
pages pick their language from it. A plain ASGI middleware, like api/security.py's: it costs one hash
per request.

`AnswerFastPath` (the outermost layer) replays a repeated `GET /sparql?query=…` from the answer cache with the
exact headers the whole stack gave it the first time, skipping routing, parsing and the middleware above.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from starlette.datastructures import Headers, MutableHeaders

from .security import add_vary

_SKIP_PREFIXES = ("/static/",)
_SKIP_PATHS = {"/health", "/favicon.ico"}
_SOURCES = (("api", ("*.py", "*.html", "*.json", "*.lark")), ("kg", ("*.py",)))
_SECRETS = {"store_password", "store_user", "store", "update_url"}  # never hashed into something a client sees


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the code, templates and UI strings that render answers (read once per process): a new
    build never reuses an old build's tags."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(digest_size=16)
    for folder, patterns in _SOURCES:
        for pattern in patterns:
            for path in sorted((root / folder).rglob(pattern)):
                if "static" in path.relative_to(root).parts or "__pycache__" in path.parts:
                    continue
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def settings_fingerprint(settings) -> str:
    """The settings that shape answers (row and byte caps, public URL, …), without addresses or credentials."""
    shown = {k: v for k, v in sorted(asdict(settings).items()) if k not in _SECRETS}
    return hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()


def entity_tag(checksum: str, build: str, path: str, query_string: bytes, accept: str, accept_language: str) -> str:
    """The weak entity tag of one negotiated representation of one release."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (checksum, build, path):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\x00")
    digest.update(query_string + b"\x00")
    digest.update(accept.encode("latin-1", "replace") + b"\x00" + accept_language.encode("latin-1", "replace"))
    return f'W/"{digest.hexdigest()}"'


def tag_matches(if_none_match: str, tag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison against each listed tag, or `*`."""
    if if_none_match.strip() == "*":
        return True
    opaque = tag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == opaque for candidate in if_none_match.split(","))


class HttpCacheMiddleware:
    """ETag / If-None-Match / Cache-Control for GET and HEAD (see the module docstring)."""

    def __init__(self, app, remembered: int = 65536):
        self.app = app
        self.remembered = remembered
        self._vary: OrderedDict[str, str] = OrderedDict()  # tag -> the Vary its 200 carried (for a bare 304)
        self._build: tuple[int, str] | None = None
        code_fingerprint()  # at start-up, not on the first request

    def _build_of(self, service) -> str:
        if self._build is None or self._build[0] != id(service.settings):
            self._build = (id(service.settings), code_fingerprint() + settings_fingerprint(service.settings))
        return self._build[1]

    async def __call__(self, scope, receive, send):
        if (scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["path"] in _SKIP_PATHS
                or scope["path"].startswith(_SKIP_PREFIXES)):
            await self.app(scope, receive, send)
            return
        service = getattr(scope["app"].state, "service", None) if "app" in scope else None
        if service is None:
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        tag = entity_tag(service.checksum, self._build_of(service), scope["path"], scope.get("query_string", b""),
                         request_headers.get("accept", ""), request_headers.get("accept-language", ""))
        max_age = service.settings.cache_max_age
        condition = request_headers.get("if-none-match")
        fresh = condition is not None and not getattr(service.repo, "problem", None) and tag_matches(condition, tag)
        if fresh and tag in self._vary:
            headers = MutableHeaders()
            headers["ETag"] = tag
            headers["Cache-Control"] = f"public, max-age={max_age}"
            if self._vary[tag]:
                headers["Vary"] = self._vary[tag]
            await send({"type": "http.response.start", "status": 304, "headers": headers.raw})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        not_modified = False

        async def send_with_validators(message):
            nonlocal not_modified
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if message["status"] == 200 and "set-cookie" not in headers \
                        and "no-store" not in headers.get("cache-control", ""):
                    headers["ETag"] = tag
                    headers.setdefault("Cache-Control", f"public, max-age={max_age}")
                    if headers.get("content-type", "").startswith("text/html"):
                        add_vary(headers, "Accept-Language")
                    self._remember(tag, headers.get("vary", ""))
                    if fresh:  # the client holds this representation already: headers only
                        not_modified = True
                        message["status"] = 304
                        for name in ("content-length", "content-type", "content-encoding", "transfer-encoding"):
                            del headers[name]
            elif message["type"] == "http.response.body" and not_modified:
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, send_with_validators)

    def _remember(self, tag: str, vary: str) -> None:
        self._vary[tag] = vary
        self._vary.move_to_end(tag)
        while len(self._vary) > self.remembered:
            self._vary.popitem(last=False)


ANSWER_SCOPE_KEY = "zhili.answer"  # set by api/routers/sparql.py on a 200 answer: (AnswerCache, key, outcome)
_FAST_CONDITIONS = (b"if-none-match", b"if-match", b"if-modified-since", b"if-unmodified-since", b"if-range", b"range")


class AnswerFastPath:
    """Repeated `GET /sparql?query=…` answered without routing: the outermost layer (outside CORS).

    When the full path sends a SPARQL answer to a GET, this layer records the complete header list the whole
    stack emitted (security headers, Vary, CORS, ETag/Cache-Control, Zhili-*, content type and length) next to
    the answer in the release's AnswerCache, under the raw request facts that decide every one of those headers:
    the raw query string, `Accept`, `Accept-Language`, whether `Origin` is present, and the release checksum.
    A later GET with exactly those facts gets those headers and the answer's body directly. Anything else goes
    the normal path: other methods and paths, conditional or range requests, a remote store that does not hold
    its release. A release switch replaces the AnswerCache (Service.adopt), so its responses go with it.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/sparql":
            await self.app(scope, receive, send)
            return
        service = getattr(scope["app"].state, "service", None) if "app" in scope else None
        if service is None or getattr(service.repo, "problem", None):
            await self.app(scope, receive, send)
            return
        accept = language = None
        origin = False
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value if accept is None else accept
            elif name == b"accept-language":
                language = value if language is None else language
            elif name == b"origin":
                origin = True
            elif name in _FAST_CONDITIONS:
                await self.app(scope, receive, send)
                return
        request = (service.checksum, scope.get("query_string", b""), accept or b"", accept is None,
                   language or b"", language is None, origin)
        found = service.answers.finished(request)
        if found is not None:
            answer, headers = found
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": answer.body, "more_body": False})
            return
        start = None
        whole = False

        async def send_and_watch(message):
            nonlocal start, whole
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                marked = scope.get(ANSWER_SCOPE_KEY)
                whole = (marked is not None and not message.get("more_body", False) and start is not None
                         and start["status"] == 200 and message.get("body") is marked[2].body)
            await send(message)

        await self.app(scope, receive, send_and_watch)
        if whole:
            answers, key, _ = scope[ANSWER_SCOPE_KEY]
            headers = [(name, b"hit" if name.lower() == b"zhili-answer-cache" else value)
                       for name, value in start["headers"]]
            answers.finish(key, request, headers)
