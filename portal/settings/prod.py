"""Production: refuses to start without a secret key and allowed hosts; passes `check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, REST_FRAMEWORK, SECRET_KEY, env

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set (at least 50 characters) in production.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (comma-separated host names).")

DEBUG = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The number of reverse proxies in front of the app, each appending to X-Forwarded-For (see
# portal.core.http.client_ip). 0 trusts no header; set it to match the deployment.
LUMEN_TRUSTED_PROXIES = env.int("LUMEN_TRUSTED_PROXIES", default=0)
if LUMEN_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("LUMEN_TRUSTED_PROXIES must be 0 or a positive number of proxies.")
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": LUMEN_TRUSTED_PROXIES}
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Browsers' preload list is for public sites; an intranet host is rarely on it, so leaving preload off
    # is the deliberate default rather than an oversight.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
