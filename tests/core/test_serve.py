"""`manage.py serve`, the production web server: uvicorn never rewrites the client's address."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.core.management.commands.serve import APPLICATION, uvicorn_options


def test_uvicorn_options_keep_proxy_headers_off():
    options = uvicorn_options(host="0.0.0.0", port=8000, workers=4, log_level="info", access_log=False)
    assert options["proxy_headers"] is False
    assert options["forwarded_allow_ips"] == ""
    assert options["workers"] == 4 and options["host"] == "0.0.0.0" and options["port"] == 8000


def test_serve_starts_uvicorn_with_the_options(monkeypatch):
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append((app, kwargs)))
    call_command("serve", "--port", "8123", "--workers", "2", "--no-access-log")
    [(app, kwargs)] = calls
    assert app == APPLICATION
    assert kwargs["proxy_headers"] is False
    assert kwargs["port"] == 8123 and kwargs["workers"] == 2 and kwargs["access_log"] is False


@pytest.mark.parametrize("args", [["--workers", "0"], ["--port", "70000"]])
def test_serve_refuses_nonsense(args, monkeypatch):
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("must not start"))
    with pytest.raises(CommandError):
        call_command("serve", *args)


THROTTLE_KEY = "throttle_anon_127.0.0.1"


@pytest.fixture
def asgi_live_server_env():
    return {"LUMEN_TEST_THROTTLE_ANON": "3/minute"}


def _status(url: str, forwarded_for: str) -> int:
    request = urllib.request.Request(url, headers={"X-Forwarded-For": forwarded_for})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.postgres
def test_a_forged_forwarded_for_does_not_dodge_the_token_throttle(asgi_live_server):
    """Through the real server: every request comes from 127.0.0.1 whatever X-Forwarded-For claims, so
    the anonymous throttle of the token endpoint (3 a minute here) stops the fourth."""
    cache.delete(THROTTLE_KEY)  # the server shares the cache with this process when it is Redis
    try:
        url = f"{asgi_live_server.url}/api/v1/auth/token/"
        statuses = [_status(url, f"203.0.113.{n}") for n in range(1, 6)]
    finally:
        cache.delete(THROTTLE_KEY)
    # GET is not allowed (405), but the throttle is checked first.
    assert statuses[:3] == [405, 405, 405]
    assert statuses[3:] == [429, 429]
