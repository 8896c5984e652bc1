"""The embedded mode of `make run`, for real: a counter recounted in the Celery worker moves the badge live.

Starts the three processes of Procfile.dev (web: Django's runserver with daphne/Channels; worker and beat:
Celery on the filesystem broker) on a SQLite file in a temporary LUMEN_VAR_DIR, without REDIS_URL, so the
channel layer is the in-memory one. Person B writes person A a chat message from the chat page; the
`chat.unread` recount runs in the worker, whose push goes through the outbox that the web process relays
(portal/core/live.py); A, on /tasks/, sees the chat badge rise without a reload.

The web process runs with `--noreload`: the autoreloader would restart it when a file of the working tree
changes during the test, dropping the sockets. Nothing here uses the test database: the processes keep
their own.
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

import pytest

from tests.plugins.browser import DESKTOP, SCREENSHOT_DIR

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pass-word-123"
START_TIMEOUT = 60.0
# The worker polls the filesystem broker about once a second and the relay the outbox twice a second.
LIVE_TIMEOUT = 20_000
LIVE_PROBE = (
    "document.addEventListener('lumen:live', function () {"
    " window.__lumenLive = (window.__lumenLive || 0) + 1; });"
)

SEED = """
from tests.people.factories import CompanyFactory, DepartmentFactory, UserFactory
from portal.chat import services
from portal.people.models import Department

CompanyFactory(name="Embedded Ltd")
crew = DepartmentFactory(name="Crew")
ann = UserFactory(
    email="ann@embedded.test", first_name="Ann", last_name="Archer", password="{password}", department=crew
)
ben = UserFactory(
    email="ben@embedded.test", first_name="Ben", last_name="Brooks", password="{password}", department=crew
)
Department.objects.filter(pk=crew.pk).update(head=ann)
print("CHAT", services.chat_direct_open(actor=ben, other=ann).pk)
print("BEN", ben.pk)
"""


@dataclass
class Embedded:
    url: str
    var_dir: Path
    logs: dict[str, Path]

    def log_tails(self, lines: int = 40) -> str:
        parts = []
        for name, path in self.logs.items():
            try:
                tail = "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            except OSError:
                tail = "(no log)"
            parts.append(f"--- {name} ---\n{tail}")
        return "\n".join(parts)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _embedded_env(var_dir: Path) -> dict[str, str]:
    """The environment of `make run` with no services configured (the repository's .env cannot add one:
    it never overrides a variable that is set, and these are set, empty or to the temporary SQLite file)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "LUMEN_", "PYTEST_", "CELERY_")) and key != "COVERAGE_PROCESS_START"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
            "LUMEN_VAR_DIR": str(var_dir),
            "DATABASE_URL": f"sqlite:///{var_dir / 'lumen.sqlite3'}",
            "REDIS_URL": "",
            "EMAIL_URL": "",
            "DEBUG": "true",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _run(args: list[str], env: dict[str, str], timeout: float = 180) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(args[:2])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}", pytrace=False
        )
    return done.stdout


def _start(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with log_path.open("wb") as log:
        # A session of its own, so that stopping it reaches whatever it started (daphne's or Celery's children).
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _wait_for(what: str, ready, processes: dict[str, subprocess.Popen], server: Embedded) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                pytest.fail(
                    f"the {name} process exited with {process.returncode}:\n{server.log_tails()}",
                    pytrace=False,
                )
        if ready():
            return
        time.sleep(0.3)
    pytest.fail(f"{what} not ready within {START_TIMEOUT:.0f}s:\n{server.log_tails()}", pytrace=False)


def _web_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:  # noqa: S310 - loopback
            return response.status < 500
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture
def embedded(tmp_path) -> Iterator[tuple[Embedded, int]]:
    """Migrated and seeded SQLite, then web, worker and beat as Procfile.dev starts them. Yields the running
    set and the id of Ben and Ann's direct chat."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    env = _embedded_env(var_dir)
    _run(["manage.py", "migrate", "--noinput", "-v", "0"], env)
    seeded = _run(["manage.py", "shell", "-c", SEED.format(password=PASSWORD)], env)
    chat_id = int(seeded.split("CHAT", 1)[1].split()[0])

    port = _free_port()
    server = Embedded(
        url=f"http://127.0.0.1:{port}",
        var_dir=var_dir,
        logs={name: tmp_path / f"{name}.log" for name in ("web", "worker", "beat")},
    )
    commands = {
        "web": ["manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        "worker": [
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--loglevel=INFO",
            "--pool=solo",
            "--concurrency=1",
        ],
        "beat": ["-m", "celery", "-A", "portal", "beat", "--loglevel=INFO"],
    }
    processes: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands.items():
            processes[name] = _start(command, env, server.logs[name])
        _wait_for("the web process", lambda: _web_answers(server.url), processes, server)
        _wait_for(
            "the Celery worker",
            lambda: " ready." in server.logs["worker"].read_text(errors="replace"),
            processes,
            server,
        )
        yield server, chat_id
    finally:
        for process in processes.values():
            _stop(process)
        print(server.log_tails())  # shown when the test fails


def _person(browser, csp_watch, js_errors, label: str):
    context = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(LIVE_TIMEOUT)
    csp_watch(context)
    context.add_init_script(LIVE_PROBE)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and js_errors.append(f"console error ({label}): {m.text}"))
    page.on("pageerror", lambda exc: js_errors.append(f"uncaught ({label}): {exc}"))
    return context, page


def test_a_count_made_in_the_worker_moves_the_badge_live(embedded, browser, csp_watch, js_errors, login):
    from playwright.sync_api import expect

    server, chat_id = embedded
    ann_context, ann = _person(browser, csp_watch, js_errors, "Ann")
    ben_context, ben = _person(browser, csp_watch, js_errors, "Ben")
    try:
        login(ann, server, "ann@embedded.test", PASSWORD)
        ann.goto(f"{server.url}/tasks/")
        ann.wait_for_function("() => (window.__lumenLive || 0) > 0", timeout=LIVE_TIMEOUT)  # socket open
        badge = ann.locator('#lumen-nav [data-counter-slot="chat"]')
        expect(badge).to_be_hidden()

        login(ben, server, "ben@embedded.test", PASSWORD)
        ben.goto(f"{server.url}/chat/{chat_id}/")
        expect(ben.locator("#chat-room")).to_have_attribute("data-live", "1", timeout=LIVE_TIMEOUT)
        ben.locator("#chat-body").fill("Ann, the slides are ready.")
        ben.locator("#chat-body").press("Enter")
        expect(ben.locator("#chat-messages .chat-message").filter(has_text="slides are ready")).to_have_count(
            1
        )

        # The recount ran in the worker; its push crossed the outbox into the web process and the socket.
        expect(badge).to_have_text("1", timeout=LIVE_TIMEOUT)
        expect(badge).to_be_visible()
        assert ann.url == f"{server.url}/tasks/"  # no reload, no navigation
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        ann.screenshot(path=str(SCREENSHOT_DIR / "embedded-live-chat-badge.png"), full_page=False)

        worker_log = server.logs["worker"].read_text(errors="replace")
        # The count was made in the worker indeed (and succeeded there).
        assert "counters_recount_job" in worker_log and "succeeded" in worker_log

        # Ann heads the crew: her control dashboard and a cell's cause work on the embedded SQLite too.
        ann.goto(f"{server.url}/reports/?subtree=1")
        expect(ann.locator("#control-table tbody tr[data-person]")).to_have_count(1)
        expect(ann.locator("#control-time [data-control-time-text]")).to_contain_text("Control today")
        ben_id = ann.locator("#control-table tbody tr[data-person]").get_attribute("data-person")
        ann.goto(f"{server.url}/reports/control/people/{ben_id}/workday/")
        expect(ann.locator(f"#control-detail-workday-{ben_id}")).to_be_visible()
    finally:
        ann_context.close()
        ben_context.close()
