"""Who is asking: the client identity that fairness limits are counted against.

The socket's peer address, unless that peer is a proxy the operator trusts
(ZHILI_TRUSTED_PROXIES, addresses or networks); then the right-most address in
X-Forwarded-For that is not itself a trusted proxy. A header sent by anyone else is
ignored, so a client cannot choose its own identity.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def trusted_networks(spec: str) -> tuple[Network, ...]:
    """Parse 'a.b.c.d, e.f.g.h/24, ::1'; raises ValueError on a malformed entry."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_id(request: Request, trusted: str | None) -> str:
    peer = request.client.host if request.client else "unknown"
    networks = trusted_networks(trusted) if trusted else ()
    if not networks or not _is_trusted(peer, networks):
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")[:1024]
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a malformed hop: count it against the proxy, never trust it
    return peer
