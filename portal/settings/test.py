"""Tests: whatever DATABASE_URL / REDIS_URL name, else SQLite and in-memory layers."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, VAR_DIR, env

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
