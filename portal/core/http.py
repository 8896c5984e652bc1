"""Small helpers about the HTTP request that several apps need."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str | None) -> str | None:
    """`value` as a normalised IP address, or None when it is not one (a port or brackets are dropped)."""
    text = (value or "").strip()
    if not text:
        return None
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51000"
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address of the person making the request, or None when it is unknown.

    `LUMEN_TRUSTED_PROXIES` says how many reverse proxies stand in front of the application. With 0 the
    connecting address (REMOTE_ADDR) is the client's and X-Forwarded-For is ignored: anybody can send that
    header. With N, each of the N proxies appended the address it received the request from, so the Nth
    address from the right of X-Forwarded-For is the one the outermost proxy saw; the addresses further
    left come from the client and are not trusted. A header shorter than N (a request that bypassed
    a proxy) falls back to REMOTE_ADDR.
    """
    proxies = int(getattr(settings, "LUMEN_TRUSTED_PROXIES", 0) or 0)
    remote = _address(request.META.get("REMOTE_ADDR"))
    if proxies <= 0:
        return remote
    # Several proxies may each add a header line; the server joins them with commas in order.
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return _address(forwarded[-proxies]) or remote
