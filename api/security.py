"""Security headers on every response: no external or inline-injected scripts, no sniffing; and
`Vary: Accept` on every response outside /static, whose content may depend on Accept (JSON or JSON-LD,
HTML or RDF, the 404 page, the /id/ redirect), so a shared cache never hands one representation to a
client that asked for another.

A plain ASGI middleware (not BaseHTTPMiddleware) so it costs almost nothing per request.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
       "form-action 'self'")


def add_vary(headers: MutableHeaders, field: str) -> None:
    """Merge `field` into Vary (all Vary lines become one), never repeating a name; `*` already covers all."""
    names: list[str] = []
    for line in headers.getlist("vary"):
        for name in line.split(","):
            name = name.strip()
            if name and name.lower() not in (n.lower() for n in names):
                names.append(name)
    if "*" not in names and field.lower() not in (n.lower() for n in names):
        names.append(field)
    del headers["vary"]
    headers["Vary"] = ", ".join(names)


class SecurityHeadersMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", CSP)
                    headers.setdefault("X-Frame-Options", "DENY")
                    add_vary(headers, "Accept-Language")  # pages default to the reader's language
                if not static:
                    add_vary(headers, "Accept")
            await send(message)

        await self.app(scope, receive, send_with_headers)
