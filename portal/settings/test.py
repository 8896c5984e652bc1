"""Tests: whatever DATABASE_URL / REDIS_URL name, else SQLite and in-memory layers."""

import os

from .base import *  # noqa: F403
from .base import CACHES, CHANNEL_LAYERS, REDIS_URL, REST_FRAMEWORK, VAR_DIR, env

DEBUG = False
SECRET_KEY = "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
# Jobs run inline unless a test starts a real worker (tests/plugins/celery_worker.py switches this off
# for the worker process it spawns).
CELERY_TASK_ALWAYS_EAGER = env.bool("LUMEN_CELERY_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    # A test that drives a server process may lower them (tests/core/test_serve.py).
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("LUMEN_TEST_THROTTLE_ANON", default="10000/minute"),
        "user": "100000/minute",
    },
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# pytest-xdist runs the suite in several processes (PYTEST_XDIST_WORKER = gw0, gw1, ...), each on its own test
# database (pytest-django suffixes its name). They share one Redis, so each keeps to its own keys: otherwise one
# process's Celery worker would take another's jobs (run against the wrong database), a websocket test would get
# another's group messages, and a channel-layer flush would wipe another's. The servers the plugins start inherit
# the variable, so they read and write the same keys as the test process that started them.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and XDIST_WORKER:
    _prefix = f"lumen-test-{XDIST_WORKER}"
    CACHES["default"]["KEY_PREFIX"] = _prefix
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"{_prefix}-asgi"
    CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{_prefix}:"}
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": f"{_prefix}:"}
