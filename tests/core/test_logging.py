"""The log of `make run`: each line once, and a refusal (403) one warning line without a traceback.

Django's default logging gives the "django" logger a console handler of its own while DEBUG is on; with the
root handler as well, every request line of the web process and every 403 (with its traceback) came out
twice. portal/settings/base.py keeps one handler, on the root logger, and drops the traceback of 4xx records.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.utils import client_as

ROOT = Path(__file__).resolve().parents[2]

# Run with the settings of `make run` (DEBUG on): what the web process's log shows.
LOG_SCRIPT = """
import logging
from django.http import HttpResponse, HttpResponseForbidden
from django.test import RequestFactory
from django.utils.log import log_response
from portal.core.errors import NotAllowed

request = RequestFactory().get("/tasks/7/")
logging.getLogger("django.channels.server").info("HTTP GET /stream/ 200 [0.05, 127.0.0.1:5000]")
for name in ("daphne.server", "django.server", "django.request", "django.channels.server"):
    chain, logger = [], logging.getLogger(name)
    while logger is not None:
        chain += logger.handlers
        logger = logger.parent if logger.propagate else None
    print(name, len(chain))
try:
    raise NotAllowed("Only the owner may do this.")
except NotAllowed as exc:
    log_response("Forbidden (Permission denied): %s", request.path, response=HttpResponseForbidden(),
                 request=request, exception=exc)
try:
    raise RuntimeError("the database went away")
except RuntimeError as exc:
    log_response("Internal Server Error: %s", request.path, response=HttpResponse(status=500),
                 request=request, exception=exc)
"""


def test_the_web_log_shows_each_line_once_and_403s_without_a_traceback(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.dev", "DEBUG": "true"}
    env.pop("LOG_LEVEL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", LOG_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    # Every logger the web process writes to reaches exactly one handler.
    chains = dict(line.split() for line in result.stdout.split("\n") if line.strip())
    assert chains == {
        "daphne.server": "1",
        "django.server": "1",
        "django.request": "1",
        "django.channels.server": "1",
    }
    log = result.stderr
    assert log.count("HTTP GET /stream/ 200") == 1, log
    assert log.count("Forbidden (Permission denied): /tasks/7/") == 1, log
    assert "Only the owner may do this." not in log, "a refusal is one line, without its traceback"
    # A server error keeps its traceback, once.
    assert log.count("Internal Server Error: /tasks/7/") == 1, log
    assert log.count("Traceback (most recent call last)") == 1, log
    assert log.count("RuntimeError: the database went away") == 1, log


@pytest.mark.urls("tests.core.errors_urls")
def test_a_refused_page_logs_one_warning_without_a_traceback(user, caplog, settings):
    settings.DEBUG = True  # as in `make run`
    with caplog.at_level(logging.INFO):
        response = client_as(user).get("/test-errors/not_allowed/")
    assert response.status_code == 403
    refusals = [r for r in caplog.records if r.name == "django.request"]
    assert len(refusals) == 1
    (record,) = refusals
    assert record.levelno == logging.WARNING and record.status_code == 403
    assert record.getMessage() == "Forbidden (Permission denied): /test-errors/not_allowed/"
    assert record.exc_info is None and not record.exc_text
    assert "Traceback" not in caplog.text
