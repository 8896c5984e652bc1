"""Settings shared by every run mode. Everything that differs between machines comes from the environment.

Embedded mode (no variables set): SQLite under var/, the kombu filesystem broker, in-memory channel layer
and cache, e-mail written to files under var/mail. Services mode: DATABASE_URL, REDIS_URL, EMAIL_URL.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("LUMEN_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "channels",
    "django_htmx",
    "csp",
    "treebeard",
    "djmoney",
    "portal.core",
    "portal.people",
    "portal.groups",
    "portal.notifications",
    "portal.stream",
    "portal.chat",
    "portal.workflows",
    "tasks",
    "reports",
    "crm",
    "strategy",
    "knowledgebase",
    # After Lumen's apps: the first app's catalogue wins a message both translate, and this one's "New" (an
    # import row) would rename the tasks' status.
    "import_export",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "portal.core.middleware.RejectNullBytesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.core.middleware.FirstRunMiddleware",
    "portal.core.middleware.UserPreferencesMiddleware",
    # Maps the domain errors a view let through (NotFound -> 404, NotAllowed -> 403, Invalid -> 400).
    "portal.core.middleware.DomainErrorMiddleware",
    # Last: turns a sign-in that django-axes refused into the locked-out page (portal.people.lockout).
    "axes.middleware.AxesMiddleware",
]
# The load benchmark (bench/) counts queries per request; first, so that every query is counted.
LUMEN_BENCH = env.bool("LUMEN_BENCH", default=False)
if LUMEN_BENCH:
    MIDDLEWARE.insert(0, "portal.core.bench.QueryCountMiddleware")

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.core.context_processors.portal",
            ],
            # `{% url %}` for routes without arguments, reversed once instead of on every use.
            "builtins": ["portal.core.templatetags.fast_url"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lumen.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiler pays off for long analytical queries, not for a web app's short ones: a
    # planner's estimate past its threshold (a company-wide dashboard, a search of a common word) made
    # compiling cost more than running. Off for Lumen's connections; the server's setting stays as it is.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # A pool of open connections per process (psycopg_pool, through Django's "pool" option) instead of a
    # new server process per request: opening one cost 5 ms on the lightest request and up to 20 ms on a
    # task list, whose fresh server process had to load the catalog of every table and index it touched.
    # DATABASE_POOL=false goes back to a connection per request (or CONN_MAX_AGE's persistent ones).
    if env.bool("DATABASE_POOL", default=True) and not DATABASES["default"]["CONN_MAX_AGE"]:
        DATABASES["default"]["OPTIONS"].setdefault(
            "pool",
            {
                "min_size": env.int("DATABASE_POOL_MIN", default=1),
                "max_size": env.int("DATABASE_POOL_MAX", default=10),
                "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
            },
        )
        # A pooled connection the server closed meanwhile (a restart) is replaced, not handed to a request.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web process write to the file side by side.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every sign-in of a locked-out account or address before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend that also reads the head's department path with the person (one query less).
    "portal.people.backends.PersonBackend",
    # Sessions signed in before PersonBackend existed name ModelBackend; it keeps them valid.
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# The models a per-object grant can name besides a person (portal.core.models.ObjectGrantBase).
LUMEN_GRANT_DEPARTMENT_MODEL = "people.Department"
LUMEN_GRANT_GROUP_MODEL = "workgroups.Workgroup"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row, anonymous visitors see nothing
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Each language in its own name, so that a person finds theirs whatever the page's language. A language is
# offered only once its catalogues are complete (tests/core/test_translations.py checks Russian's).
LANGUAGES = [("en", "English"), ("ru", "Русский")]
# The catalogues of the project's own templates (each app keeps its own under <app>/locale/).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Where Django's own locale formats are wrong (portal/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Upload limits enforced by services (and so by pages and the API alike).
LUMEN_GROUP_FILE_MAX_BYTES = env.int("LUMEN_GROUP_FILE_MAX_BYTES", default=25 * 1024 * 1024)
LUMEN_PHOTO_MAX_BYTES = env.int("LUMEN_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
TASKS_FILE_MAX_BYTES = env.int("LUMEN_TASK_FILE_MAX_BYTES", default=20 * 1024 * 1024)
# Attachments (portal/core/attachments/): the default limit of an app that names none, and detected
# types refused everywhere (e.g. "application/zip"; empty: every type is kept, unknown ones as downloads).
LUMEN_ATTACHMENT_MAX_BYTES = env.int("LUMEN_ATTACHMENT_MAX_BYTES", default=25 * 1024 * 1024)
LUMEN_ATTACHMENT_REFUSED_TYPES = env.list("LUMEN_ATTACHMENT_REFUSED_TYPES", default=[])
LUMEN_INVITATION_TTL_DAYS = env.int("LUMEN_INVITATION_TTL_DAYS", default=7)
# CRM: the key that encrypts stored mailbox passwords and store webhook secrets (crm/crypto.py); empty: one
# derived from SECRET_KEY. Secrets saved under SECRET_KEY stay readable after this is set.
LUMEN_CRM_SECRET_KEY = env.str("LUMEN_CRM_SECRET_KEY", default="")
# Money in the CRM (django-money): the currency new deals and products start in, and those one may choose.
DEFAULT_CURRENCY = env.str("LUMEN_CRM_CURRENCY", default="USD")
CURRENCIES = tuple(env.list("LUMEN_CRM_CURRENCIES", default=["USD", "EUR", "RUB", "GBP", "CNY", "KZT"]))
if DEFAULT_CURRENCY not in CURRENCIES:
    CURRENCIES = (DEFAULT_CURRENCY, *CURRENCIES)
# What the CRM takes: an import file's size; web form submissions accepted per address in 10 minutes.
LUMEN_CRM_IMPORT_MAX_BYTES = env.int("LUMEN_CRM_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
LUMEN_CRM_WEBFORM_RATE = env.int("LUMEN_CRM_WEBFORM_RATE", default=5)
# A file on a CRM record (0: the portal's attachment limit, LUMEN_ATTACHMENT_MAX_BYTES).
LUMEN_CRM_FILE_MAX_BYTES = env.int("LUMEN_CRM_FILE_MAX_BYTES", default=0)
# Workflows: hours after an approval step's deadline (and its reminder) before it is escalated to the
# supervisors of the approvers who have not decided yet.
LUMEN_WORKFLOWS_ESCALATE_AFTER_HOURS = env.int("LUMEN_WORKFLOWS_ESCALATE_AFTER_HOURS", default=24)
# Absences: the vacation days of a year for a person without an allowance row, and the most unused days of
# last year carried into this one (the carry-over runs on January 1st).
LUMEN_LEAVE_DEFAULT_DAYS = env.int("LUMEN_LEAVE_DEFAULT_DAYS", default=28)
LUMEN_LEAVE_CARRY_OVER_MAX_DAYS = env.int("LUMEN_LEAVE_CARRY_OVER_MAX_DAYS", default=14)

# --- Signing in --------------------------------------------------------------------------------
# Brute-force protection (django-axes, see portal/people/lockout.py): signing in is refused for
# LUMEN_LOGIN_COOLOFF_MINUTES once an account collects LUMEN_LOGIN_FAILURE_LIMIT failures, or a client address
# LUMEN_LOGIN_ADDRESS_FAILURE_LIMIT (higher: an office behind one NAT address shares it), within the cool-off.
LUMEN_LOGIN_FAILURE_LIMIT = env.int("LUMEN_LOGIN_FAILURE_LIMIT", default=5)
LUMEN_LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LUMEN_LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
LUMEN_LOGIN_COOLOFF_MINUTES = env.int("LUMEN_LOGIN_COOLOFF_MINUTES", default=15)
AXES_HANDLER = "portal.people.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = LUMEN_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = "portal.people.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "portal.people.lockout.username_of"
AXES_USERNAME_FORM_FIELD = "username"  # the key of authenticate()'s credentials and of the login form's field
AXES_CLIENT_IP_CALLABLE = "portal.core.http.client_ip"  # honours LUMEN_TRUSTED_PROXIES
AXES_LOCKOUT_CALLABLE = "portal.people.lockout.locked_out_response"
# A locked-out attempt does not restart the cool-off, so "try again in N minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Failures are not forgotten on a successful sign-in: resetting by address would let anybody with an account
# clear the failures of everyone behind their address.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
# Password reset links: at most this many requests per e-mail address and per client address in the window
# (whether or not the address belongs to anybody).
LUMEN_PASSWORD_RESET_EMAIL_LIMIT = env.int("LUMEN_PASSWORD_RESET_EMAIL_LIMIT", default=3)
LUMEN_PASSWORD_RESET_ADDRESS_LIMIT = env.int("LUMEN_PASSWORD_RESET_ADDRESS_LIMIT", default=10)
LUMEN_PASSWORD_RESET_WINDOW_MINUTES = env.int("LUMEN_PASSWORD_RESET_WINDOW_MINUTES", default=60)
# API tokens (POST /api/v1/auth/token/, the profile page) expire after this many days.
LUMEN_API_TOKEN_TTL_DAYS = env.int("LUMEN_API_TOKEN_TTL_DAYS", default=30)
for _name in (
    "LUMEN_LOGIN_FAILURE_LIMIT",
    "LUMEN_LOGIN_ADDRESS_FAILURE_LIMIT",
    "LUMEN_LOGIN_COOLOFF_MINUTES",
    "LUMEN_PASSWORD_RESET_EMAIL_LIMIT",
    "LUMEN_PASSWORD_RESET_ADDRESS_LIMIT",
    "LUMEN_PASSWORD_RESET_WINDOW_MINUTES",
    "LUMEN_API_TOKEN_TTL_DAYS",
):
    if globals()[_name] < 1:  # 0 would lock everybody out, or make tokens that never work
        raise ImproperlyConfigured(f"{_name} must be 1 or more.")

# --- Redis or embedded -------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control, in the source tree
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None

CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Mail ---------------------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Lumen <lumen@localhost>")


def base_url_for(host: str, port: str | int) -> str:
    """The portal's address for absolute links, from the address its web process listens on.

    A wildcard address (0.0.0.0, ::, empty) is not one a browser can open: links then name this machine's
    loopback address. An IPv6 address gets its brackets; port 80 is left out."""
    host = (host or "").strip().strip("[]")
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    port = str(port).strip() or "8000"
    return f"http://{host}" if port == "80" else f"http://{host}:{port}"


# The one setting behind every absolute link (e-mails, digests, invitations, password resets, the CSP's
# websocket origin). Set it where the portal has a public name; otherwise it is the address the web process
# listens on, HOST and PORT as `make run` and `manage.py serve` read them. Honcho gives each process of
# Procfile.dev a PORT of its own (the worker's is the web's + 100), so `make run` also passes the web's port
# as LUMEN_WEB_PORT, which comes first: the worker that builds the mails links to the web's port.
LUMEN_BASE_URL = env.str("LUMEN_BASE_URL", default="") or base_url_for(
    env.str("HOST", default="127.0.0.1"),
    env.str("LUMEN_WEB_PORT", default="") or env.str("PORT", default="8000"),
)

# How many reverse proxies stand in front of the app (portal.core.http.client_ip). 0: the connecting
# address is the client's and X-Forwarded-For, which anybody can send, is ignored. prod.py reads it.
LUMEN_TRUSTED_PROXIES = 0

# --- Content-Security-Policy (django-csp) ---------------------------------------------------------
# Enforced on every response: scripts, styles, fonts and images from this site only, no inline script or style
# (templates use data attributes that static/lumen/lumen.js serves; tests/core/test_csp.py scans them), no eval, no
# plugins, no framing, forms post here only. data: images are Bootstrap's (form controls, close buttons: SVG data
# URIs in its CSS). 'self' covers the same host's websockets (/ws/: chat, live counters) in current browsers; the
# public address's ws(s) origin is named as well for browsers that read 'self' as http(s) only. The one page that
# relaxes it is Redoc (portal/core/api/docs.py).
_public = urlsplit(LUMEN_BASE_URL)
_ws_origin = f"{'wss' if _public.scheme == 'https' else 'ws'}://{_public.netloc}"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, _ws_origin],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "portal.people.api.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "portal.core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "portal.core.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "portal.core.api.errors.exception_handler",
    "DEFAULT_METADATA_CLASS": "portal.core.api.metadata.ApiMetadata",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="3000/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # The throttles tell anonymous callers apart by address: trust X-Forwarded-For as client_ip does.
    "NUM_PROXIES": LUMEN_TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lumen API",
    "DESCRIPTION": "The REST API of Lumen, the company intranet. Every list is permission-filtered.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps have a "kind" or "role" field; name each enum after its choices class.
    "ENUM_NAME_OVERRIDES": {
        "WorkgroupKindEnum": "portal.groups.choices.GroupKind",
        "WorkgroupVisibilityEnum": "portal.groups.choices.GroupVisibility",
        "MemberRoleEnum": "portal.groups.choices.MemberRole",
        "TaskStatusEnum": "tasks.choices.TaskStatus",
        "TaskLinkKindEnum": "tasks.choices.LinkKind",
        "TaskActionEnum": "tasks.api.serializers.tasks.TRANSITION_ACTIONS",
        "DayStateEnum": "reports.choices.DayState",
        "DayCorrectionStatusEnum": "reports.choices.CorrectionStatus",
        "WorkReportStatusEnum": "reports.choices.ReportStatus",
        "CrmLeadSourceEnum": "crm.choices.LeadSource",
        "CrmStageKindEnum": "crm.choices.StageKind",
        "CrmCompanyKindEnum": "crm.models.companies.CompanyKind",
        "CrmActivityKindEnum": "crm.choices.ActivityKind",
        "CrmCallDirectionEnum": "crm.choices.Direction",
        "CrmCallStateEnum": "crm.choices.CallState",
        "CrmCallResultEnum": "crm.choices.CallResult",
        "WorkflowsHolidayKindEnum": "portal.workflows.choices.HolidayKind",
        "ReportsPeriodEnum": "reports.choices.ReportPeriod",
        "StrategyGoalStatusEnum": "strategy.choices.GoalStatus",
        "StrategyIndicatorDirectionEnum": "strategy.models.indicators.Direction",
        "StrategyIndicatorSourceEnum": "strategy.models.indicators.IndicatorSource",
        "StrategyIndicatorPeriodEnum": "strategy.models.indicators.PeriodKind",
        "StrategyIndicatorVisibilityEnum": "strategy.models.indicators.IndicatorVisibility",
        "WorkflowsTemplateKindEnum": "portal.workflows.choices.TemplateKind",
        "WorkflowsProcessStatusEnum": "portal.workflows.choices.ProcessStatus",
        "WorkflowsStepActionEnum": "portal.workflows.choices.StepAction",
        "KbSpaceKindEnum": "knowledgebase.choices.SpaceKind",
        "KbEveryoneAccessEnum": "knowledgebase.choices.EveryoneAccess",
        "KbPageStatusEnum": "knowledgebase.choices.PageStatus",
        "KbPageLanguageEnum": "knowledgebase.choices.PageLanguage",
        "PersonLanguageEnum": LANGUAGES,
    },
    # The errors every endpoint shares, in the API's one JSON error shape (after the enum hook, the default).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.core.api.schema.document_errors",
    ],
}


class ClientErrorsWithoutTraceback:
    """A logging filter: a 4xx response (a 403 from PermissionDenied or the domain's NotAllowed, a 400) is one
    warning line; Django attaches the exception, whose traceback says nothing about a refusal that is working
    as meant. Server errors (5xx) keep theirs."""

    def filter(self, record) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True


# One handler, on the root logger; every other logger propagates to it. Django's own defaults (applied before
# this) give the "django" logger a console handler of its own while DEBUG is on, which printed each request
# line and each refusal twice: the loggers named here get exactly the handlers listed, so "django" has none.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_without_traceback": {"()": ClientErrorsWithoutTraceback}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"handlers": [], "filters": ["client_errors_without_traceback"], "propagate": True},
        "django.db.backends": {"level": "INFO"},
    },
}
