"""Credentials for a SPARQL server, in whichever HTTP scheme the server asks for.

`ChallengeAuth(user, password)` sends a request to a URL path it has not been challenged on yet
without credentials; on a 401 it answers the server's challenge once, in the scheme the
`WWW-Authenticate` header offers: Digest (preferred, through httpx.DigestAuth, so the password
never crosses the wire) or Basic. So one setting, ZHILI_STORE_USER/ZHILI_STORE_PASSWORD, serves
Virtuoso's Graph Store endpoint (Digest) as well as an Oxigraph server behind a reverse proxy
with Basic auth. Once a challenge from an origin and path has been answered successfully, later
requests to that path carry credentials in that scheme from the start (Digest from the last
challenge, with httpx's own single retry when its nonce has gone stale), which saves sending every
request body twice; other paths still go without credentials until they ask.

A wrong password costs one extra request and then the client gets the server's 401: never a loop.
Basic sends the password itself (base64): use it only over HTTPS or a private network, as
docker-compose.yml's internal `backend` network is.

Works with httpx.Client and httpx.AsyncClient (the flow does no I/O of its own).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Generator, Iterable

import httpx

__all__ = ["ChallengeAuth", "challenge_schemes", "store_auth"]

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _split_outside_quotes(value: str) -> list[str]:
    """'Digest realm="a, b", qop="auth", Basic realm="x"' -> the comma-separated pieces, quotes respected."""
    pieces, current, quoted, escaped = [], [], False, False
    for ch in value:
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            pieces.append("".join(current))
            current = []
            continue
        current.append(ch)
    pieces.append("".join(current))
    return pieces


def challenge_schemes(values: Iterable[str]) -> list[str]:
    """The auth schemes (lower case, in order, once each) that WWW-Authenticate header values offer.

    A header may carry several challenges ('Basic realm="x", Digest realm="y", nonce="n"'): a piece
    that starts with a token not followed by '=' starts a new challenge; 'nonce="n"' is a parameter.
    """
    schemes: list[str] = []
    for value in values:
        for piece in _split_outside_quotes(value):
            piece = piece.strip()
            match = _TOKEN.match(piece)
            if not match:
                continue
            rest = piece[match.end():]
            if rest.lstrip().startswith("="):  # auth-param, not a scheme
                continue
            if rest and not rest[0].isspace():
                continue
            scheme = match.group(0).lower()
            if scheme not in schemes:
                schemes.append(scheme)
    return schemes


class ChallengeAuth(httpx.Auth):
    """Answer the server's 401 challenge with Digest or Basic credentials, whichever it asks for."""

    requires_request_body = True  # a challenged request is sent again, so its body must be replayable

    def __init__(self, user: str, password: str) -> None:
        self.user = user
        self._password = password
        self._lock = threading.Lock()
        self._learnt: dict[tuple[str, str, int | None, str], httpx.Auth] = {}  # (origin, path) -> scheme it took

    def __repr__(self) -> str:  # never the password
        return f"ChallengeAuth(user={self.user!r})"

    @staticmethod
    def _space(request: httpx.Request) -> tuple[str, str, int | None, str]:
        """Where a scheme, once accepted, is used up front: the origin and the path (not the query string).
        Narrower than RFC 7617's protection space on purpose: Virtuoso's anonymous /sparql shares an
        origin with its Graph Store endpoint and must not receive the dba's credentials unasked."""
        return request.url.scheme, request.url.host, request.url.port, request.url.path

    def _remember(self, request: httpx.Request, auth: httpx.Auth) -> None:
        with self._lock:
            self._learnt[self._space(request)] = auth

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            known = self._learnt.get(self._space(request))
        if known is not None:
            # DigestAuth: credentials from the last challenge, one fresh challenge answered on a 401;
            # BasicAuth: credentials from the start, a 401 is final
            yield from known.auth_flow(request)
            return

        response = yield request
        if response.status_code != 401:
            return
        offered = challenge_schemes(response.headers.get_list("www-authenticate"))

        if "digest" in offered:
            digest = httpx.DigestAuth(self.user, self._password)
            flow = digest.auth_flow(request)
            next(flow)  # the request as it was: this DigestAuth has no challenge yet
            try:
                retry = flow.send(response)  # parses the challenge, signs the request
            except StopIteration:
                retry = None  # a Digest challenge sharing one header line with another scheme: httpx reads only
            if retry is not None:  # a line that starts with "Digest "; fall through to Basic if offered
                response = yield retry
                if response.status_code != 401:
                    self._remember(request, digest)
                flow.close()
                return

        if "basic" in offered:
            basic = httpx.BasicAuth(self.user, self._password)
            retry = next(basic.auth_flow(request))  # the same request with an Authorization header
            response = yield retry
            if response.status_code != 401:
                self._remember(request, basic)
            return
        # no scheme we speak (or the challenge was unreadable): the client gets the 401 as it is


def store_auth(user: str | None, password: str | None) -> httpx.Auth | None:
    """The auth for ZHILI_STORE_USER / ZHILI_STORE_PASSWORD: None when neither is set."""
    if not user:
        if password:
            raise ValueError("ZHILI_STORE_PASSWORD is set but ZHILI_STORE_USER is not")
        return None
    return ChallengeAuth(user, password or "")
