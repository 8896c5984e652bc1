"""A live ASGI server for browser tests: the real application (HTTP and websockets) in a subprocess.

pytest-django's `live_server` is WSGI only, so pages that open websockets (chat, live counters) need
this instead. `asgi_live_server` starts `manage.py serve` (uvicorn) on a free port, against the
test database, waits until `/healthz` answers, and stops it after the test. It yields an object with
`.url` (like `live_server`, so `login(page, asgi_live_server, ...)` works).

- Database: the subprocess must see what the test wrote, so the test uses `transactional_db` and
  PostgreSQL (`DATABASE_URL` is rebuilt from the test connection); on SQLite the fixture skips.
  Mark such tests `postgres`.
- pytest-xdist: the database is the test process's own (`test_<name>_gw0`, ...), and the server inherits
  `PYTEST_XDIST_WORKER`, so it keeps to that process's Redis keys (portal/settings/test.py).
- Channel layer: the server's own. With `REDIS_URL` it is Redis (shared with the test process); with
  the in-memory layer it lives inside the server, so the browser must do everything through the server.
- Static files: served by WhiteNoise from the finders (no collectstatic, `DEBUG` stays off), through a
  small settings module written to a temporary directory on top of `portal.settings.test`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 40.0
SETTINGS_MODULE = "lumen_asgi_live_settings"
SETTINGS_SOURCE = '''"""Settings of the ASGI live server of the browser tests (written by tests/plugins/asgi_server.py)."""

import os

from portal.settings.test import *  # noqa: F403

# Files uploaded through the server land where the test process looks for them.
MEDIA_ROOT = os.environ.get("LUMEN_ASGI_MEDIA_ROOT") or MEDIA_ROOT  # noqa: F405

# redis-py 8 reads with a 5 s socket timeout by default, as long as channels_redis's blocking pop: idle
# consumers then die with "Timeout reading from ...". Until the project settings pass a longer timeout
# (tests/chat/test_consumers.py::test_an_idle_socket_stays_open_on_the_redis_layer fails meanwhile),
# the browser tests' server uses one, so that they test the pages rather than that setting.
_layer = CHANNEL_LAYERS["default"]  # noqa: F405
if _layer["BACKEND"].startswith("channels_redis") and any(
    isinstance(h, str) for h in _layer.get("CONFIG", {}).get("hosts", [])
):
    _layer["CONFIG"]["hosts"] = [
        {"address": h, "socket_timeout": 30} if isinstance(h, str) else h for h in _layer["CONFIG"]["hosts"]
    ]
# Serve static files straight from the finders: no collectstatic, and DEBUG stays off.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
'''


@dataclass
class AsgiLiveServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __str__(self) -> str:
        return self.url


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(settings_dict: dict) -> str:
    """A DATABASE_URL naming the database this process uses (the PostgreSQL test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def _wait_until_ready(server: AsgiLiveServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"the ASGI server exited with {server.process.returncode}:\n{server.log_tail()}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as response:  # noqa: S310 - loopback
                if response.status < 500:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    pytest.fail(
        f"the ASGI server did not answer within {START_TIMEOUT:.0f}s:\n{server.log_tail()}", pytrace=False
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture
def asgi_live_server_env() -> dict[str, str]:
    """Extra environment variables for the server process. Override it in a test module."""
    return {}


@pytest.fixture
def asgi_live_server(transactional_db, asgi_live_server_env, tmp_path) -> Iterator[AsgiLiveServer]:
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (DATABASE_URL=postgres://...): the server process must see the test database"
        )

    settings_dir = tmp_path / "asgi-settings"
    settings_dir.mkdir()
    (settings_dir / f"{SETTINGS_MODULE}.py").write_text(SETTINGS_SOURCE)
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "LUMEN_ASGI_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(settings_dir), str(ROOT), os.environ.get("PYTHONPATH")])
        ),
        **asgi_live_server_env,
    }
    redis_url = os.environ.get("REDIS_URL") or getattr(settings, "REDIS_URL", "")
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser fixture sets it for this process only
    # The production entry point (uvicorn with proxy headers off), so the browser tests run what ships.
    command = [
        sys.executable,
        "manage.py",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    log_path = tmp_path / "asgi-server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = AsgiLiveServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        _stop(process)
        print(f"--- ASGI server log ({server.url}) ---\n{server.log_tail()}")  # shown when a test fails
