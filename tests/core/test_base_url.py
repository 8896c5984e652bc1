"""One setting builds every absolute link: LUMEN_BASE_URL, which `make run` derives from the address the web
process listens on (HOST and the web's port) unless it is set. Issue: with `make run PORT=8101` every link in
var/mail pointed at port 8000."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from portal.settings.base import base_url_for

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"https?://[^\s\"'<>]+")


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", "8101", "http://127.0.0.1:8101"),
        ("localhost", 8000, "http://localhost:8000"),
        ("intranet.acme.test", "80", "http://intranet.acme.test"),
        # A wildcard address is where the server listens, not an address a browser can open.
        ("0.0.0.0", "8101", "http://127.0.0.1:8101"),
        ("::", "8101", "http://127.0.0.1:8101"),
        ("", "", "http://127.0.0.1:8000"),
        ("::1", "8101", "http://[::1]:8101"),
        ("[::1]", "8101", "http://[::1]:8101"),
    ],
)
def test_base_url_is_the_address_the_web_process_listens_on(host, port, expected):
    assert base_url_for(host, port) == expected


def _settings_seen(**env: str) -> list[str]:
    """LUMEN_BASE_URL and the CSP's websocket origin, as a process of `make run` (dev settings) reads them."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT", "LUMEN_WEB_PORT")}
    full_env.update({"DJANGO_SETTINGS_MODULE": "portal.settings.dev", "LUMEN_BASE_URL": "", **env})
    code = (
        "from django.conf import settings as s; "
        "print(s.LUMEN_BASE_URL, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src'][-1])"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_every_process_of_make_run_links_to_the_web_port():
    # Nothing said: the default address.
    assert _settings_seen() == ["http://127.0.0.1:8000", "ws://127.0.0.1:8000"]
    # `make run PORT=8101`: honcho gives the worker PORT=8201, the Makefile passes the web's port alongside.
    assert _settings_seen(HOST="127.0.0.1", PORT="8201", LUMEN_WEB_PORT="8101") == [
        "http://127.0.0.1:8101",
        "ws://127.0.0.1:8101",
    ]
    # The web process of `manage.py serve` on its own: HOST and PORT.
    assert _settings_seen(HOST="0.0.0.0", PORT="8102")[0] == "http://127.0.0.1:8102"
    # A public name, when set, wins over the address the server listens on.
    assert _settings_seen(LUMEN_BASE_URL="https://intranet.acme.test", LUMEN_WEB_PORT="8101") == [
        "https://intranet.acme.test",
        "wss://intranet.acme.test",
    ]


def _links(mail) -> list[str]:
    bodies = [mail.body] + [content for content, _type in getattr(mail, "alternatives", [])]
    return LINK.findall("\n".join(bodies))


def test_every_mail_links_to_the_one_base_url(org, settings, mailoutbox, django_capture_on_commit_callbacks):
    """Invitations, password resets, notification copies and control digests: every absolute link in the
    text and HTML parts starts with LUMEN_BASE_URL."""
    from portal.notifications.services import notify
    from portal.people import jobs as people_jobs
    from portal.people.services import invitation_send
    from reports.choices import DigestKind
    from reports.services import digest_build, digest_send

    settings.LUMEN_BASE_URL = "http://127.0.0.1:8101/"
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(actor=org.admin, emails=["eve@acme.test"], department=org.it)
        notify(recipients=[org.east_rep], kind="mention", title="You were mentioned", url="/stream/")
    people_jobs.password_reset_mail_send(org.developer.pk)
    digest = digest_build(recipient=org.sales_head, kind=DigestKind.SUPERVISOR, date=timezone.localdate())
    assert digest is not None and digest_send(digest_id=digest.pk)

    assert len(mailoutbox) == 4
    for mail in mailoutbox:
        links = _links(mail)
        assert links, f"no link in {mail.subject!r}"
        wrong = [link for link in links if not link.startswith("http://127.0.0.1:8101/")]
        assert not wrong, f"{mail.subject!r} links elsewhere: {wrong}"
        assert "//127.0.0.1:8101//" not in "".join(links)


def test_the_port_check_of_make_run_refuses_a_busy_port():
    """`make run` checks the port before it starts anything, and the web process again before it listens
    (Procfile.dev): a busy port stops the run with a non-zero status instead of a web process that does not
    listen while the worker and beat go on."""
    import shutil
    import socket

    if shutil.which("make") is None:
        pytest.skip("needs make")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            ["make", "--no-print-directory", "-s", "port-free", "HOST=127.0.0.1", f"PORT={port}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert f"127.0.0.1:{port} is in use" in result.stderr
    free = subprocess.run(
        ["make", "--no-print-directory", "-s", "port-free", "HOST=127.0.0.1", f"PORT={port}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert free.returncode == 0, free.stderr
    procfile = (ROOT / "Procfile.dev").read_text()
    web = next(line for line in procfile.splitlines() if line.startswith("web:"))
    assert "port-free" in web and "&& exec" in web
