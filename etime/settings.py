"""etime settings: the one place that reads the environment.

Embedded default (nothing set): SQLite under ``ETIME_DATA_DIR``, Celery over kombu's
``filesystem://`` transport (a real worker and beat, no broker), file-based cache.
``DATABASE_URL`` selects PostgreSQL, MariaDB/MySQL or a SQLite file (docs/DEPLOYMENT.md "Database engines"); ``REDIS_URL``
selects Redis as Celery broker, result backend and cache. See README "Configuration".
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from kombu import Queue

from etime.core.db.config import MYSQL_BACKEND, database_from_url
from etime.env import env_bool, env_format, env_int, env_list, env_map, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("ETIME_DATA_DIR", str(BASE_DIR / "data"))).resolve()

# --- Core -----------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
# The default key is deliberately a known-insecure value: etime.checks refuses to boot
# with it whenever DEBUG is off.
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-etime-default-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
ETIME_BASE_URL = env_str("ETIME_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "import_export",
    "axes",
    "django_htmx",
    "csp",
    "etime.core",
    "etime.ops",
    "accounts",
    "attendance",
    "devices",
    "leave",
    "timesheets",
    "billing",
]

MIDDLEWARE = [
    # Outermost: counts every answer and its time per view (docs/OPERATIONS.md "Metrics").
    "etime.core.metrics.MetricsMiddleware",
    # The explicitly read-only report views read from the replica, when there is one.
    "etime.core.db_router.ReplicaReportsMiddleware",
    "etime.core.middleware.RequestIdMiddleware",
    "etime.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Session and CSRF cookies get `Secure` whenever the request came over TLS.
    "etime.core.security.SecureCookiesOverTlsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The viewer's zone for "today" and every time a page shows (docs/ARCHITECTURE.md).
    "etime.core.zones.ViewerTimeZoneMiddleware",
    # After auth: a signed-in user's saved language wins over Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "etime.core.middleware.ApiErrorEnvelopeMiddleware",
    # Axes must come last: it turns a lockout signalled by the auth backend into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "etime.urls"
WSGI_APPLICATION = "etime.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "etime.core.context_processors.etime",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
_database_url = env_str("DATABASE_URL")
if _database_url:
    # PostgreSQL, MariaDB >= 10.6 / MySQL >= 8.0 (mysql://, requirements/mysql.txt), or a
    # SQLite file (docs/DEPLOYMENT.md "Database engines"); each engine's options there.
    DATABASES = {
        "default": database_from_url(
            _database_url,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            mysql_collation=env_str("ETIME_MYSQL_COLLATION", "utf8mb4_unicode_ci"),
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "etime.sqlite3"),
            # WAL lets the web process read while the worker writes; IMMEDIATE makes
            # every write transaction take the write lock up front, so two processes
            # never deadlock upgrading a read lock (SQLITE_BUSY mid-transaction).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

# A PostgreSQL streaming replica for read-only reports (docs/DEPLOYMENT.md "Scaling out"):
# etime.core.db_router sends the reads of the views marked read-only there, every write and
# every other read to "default". ETIME_REPORTS_DATABASE names the alias those reads use.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dict(database_from_url(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)))
ETIME_REPORTS_DATABASE = "replica" if DATABASE_REPLICA_URL else "default"
DATABASE_ROUTERS = ["etime.core.db_router.ReportsReplicaRouter"]

# --- Redis, cache and Celery ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHE_KEY_PREFIX = env_str("ETIME_CACHE_PREFIX", "etime")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

CELERY_TIMEZONE = "UTC"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("ETIME_CELERY_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True

# Queues (docs/OPERATIONS.md "Queues and workers"): each kind of work has its own queue, so
# a backlog in one (a restore, a month of reports, a clock replaying its log) never delays
# another (punches turning into attendance, a password-reset mail). Every task is named
# here; a worker started without --queues consumes them all (the embedded default, the
# tests' live worker, a small installation), docker-compose.yml runs one worker per queue.
ETIME_QUEUES = ("default", "devices", "attendance", "mail", "reports", "backups")
ETIME_TASK_QUEUE = {
    "devices.sync_due_devices": "devices",
    "devices.sync_device": "devices",
    "devices.alert_offline_devices": "devices",
    "attendance.recompute_dirty_days": "attendance",
    "attendance.close_days": "attendance",
    "attendance.punch_partitions": "attendance",
    "attendance.punch_partitions_for": "attendance",
    "accounts.send_password_reset": "mail",
    "leave.send_request_email": "mail",
    "devices.send_offline_alert": "mail",
    "devices.send_knock_alert": "mail",
    "billing.send_overdue_reminders": "mail",
    "timesheets.send_daily_reminders": "mail",
    "timesheets.send_approval_reminders": "mail",
    "timesheets.send_budget_alerts": "mail",
    "ops.warranty_reminders": "mail",
    "ops.retry_failed_notifications": "mail",
    "ops.send_scheduled_reports": "reports",
    "billing.render_invoice_pdf": "reports",
    "timesheets.import_entries": "reports",
    "ops.backup": "backups",
    "ops.restore": "backups",
    "ops.heartbeat": "default",
    "core.purge_idempotency_records": "default",
    "leave.post_entitlements": "default",
    "leave.close_year": "default",
    "leave.expire_carry_forward": "default",
    "timesheets.stop_overlong_timers": "default",
    "devices.purge_kiosk_photos": "default",
    "ops.purge_notifications": "default",
}
# Hard time limit per queue, seconds (the soft limit, which a task may catch, 30 s before).
# ETIME_TASK_TIME_LIMIT stays the default queue's (and any task not listed above).
CELERY_TASK_TIME_LIMIT = env_int("ETIME_TASK_TIME_LIMIT", 600, minimum=1)
_queue_limits = env_map(
    "ETIME_QUEUE_TIME_LIMITS",
    {
        "default": str(CELERY_TASK_TIME_LIMIT),
        "devices": "600",
        "attendance": "600",
        "mail": "120",
        "reports": "1800",
        "backups": "7200",
    },
    keys=set(ETIME_QUEUES),
)
if not all(v.isdigit() and int(v) >= 1 for v in _queue_limits.values()):
    from etime.env import ImproperlyConfiguredEnv

    raise ImproperlyConfiguredEnv(f"ETIME_QUEUE_TIME_LIMITS: each limit is a whole number of seconds: {_queue_limits}")
ETIME_QUEUE_TIME_LIMITS = {queue: int(seconds) for queue, seconds in _queue_limits.items()}
CELERY_TASK_TIME_LIMIT = ETIME_QUEUE_TIME_LIMITS["default"]
CELERY_TASK_SOFT_TIME_LIMIT = max(1, CELERY_TASK_TIME_LIMIT - 30)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(queue, routing_key=queue) for queue in ETIME_QUEUES]
CELERY_TASK_ROUTES = {name: {"queue": queue} for name, queue in ETIME_TASK_QUEUE.items()}
CELERY_TASK_ANNOTATIONS = {
    name: {"time_limit": ETIME_QUEUE_TIME_LIMITS[queue], "soft_time_limit": max(1, ETIME_QUEUE_TIME_LIMITS[queue] - 30)}
    for name, queue in ETIME_TASK_QUEUE.items()
}
# A punch marks its days dirty; the recompute task is enqueued at most once while one is
# waiting, and waits this long for more punches to join it (a morning rush: one recompute
# of many days, not one per punch). Beat runs it every minute anyway.
ETIME_ATTENDANCE_RECOMPUTE_DELAY_SECONDS = env_int("ETIME_ATTENDANCE_RECOMPUTE_DELAY_SECONDS", 5, minimum=0)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # Redis hands an unacknowledged task to another worker after this long: longer than
    # any task may run, or a long backup would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {"visibility_timeout": max(ETIME_QUEUE_TIME_LIMITS.values()) + 60}
else:
    _queue_dir = DATA_DIR / "celery" / "queue"
    _processed_dir = DATA_DIR / "celery" / "processed"
    _results_dir = DATA_DIR / "celery" / "results"
    _control_dir = DATA_DIR / "celery" / "control"
    for _d in (_queue_dir, _processed_dir, _results_dir, _control_dir):
        _d.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_results_dir}"

# --- Auth, axes, passwords ------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # AxesStandaloneBackend must be first: it refuses locked-out credentials before
    # any other backend checks the password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# --- LDAP / Active Directory ---------------------------------------------------------
# docs/DEPLOYMENT.md "LDAP and Active Directory", docs/SECURITY.md "Password login".
# Who may use a local password: all (default) or breakglass (active superusers only); the
# per-person flag User.password_login_disabled refuses it anyway (accounts.ldap_policy).
ETIME_PASSWORD_LOGIN = env_str("ETIME_PASSWORD_LOGIN", "all").strip().lower()
if ETIME_PASSWORD_LOGIN not in ("all", "breakglass"):
    from etime.env import ImproperlyConfiguredEnv

    raise ImproperlyConfiguredEnv(f"ETIME_PASSWORD_LOGIN={ETIME_PASSWORD_LOGIN!r}: use all or breakglass")
AUTHENTICATION_BACKENDS.insert(
    AUTHENTICATION_BACKENDS.index("django.contrib.auth.backends.ModelBackend"),
    "accounts.ldap_policy.PasswordLoginPolicyBackend",
)
# Empty: no directory, nothing below applies.
AUTH_LDAP_SERVER_URI = env_str("ETIME_LDAP_SERVER_URI", "").strip()
# What accounts.ldap_backend reads at each directory sign-in; defined with or without a
# directory, so the backend reads settings.X and the defaults live here only.
ETIME_LDAP_EMAIL_ATTR = env_str("ETIME_LDAP_EMAIL_ATTR", "mail")
ETIME_LDAP_ADMIN_GROUP = env_str("ETIME_LDAP_ADMIN_GROUP", "")
ETIME_LDAP_MANAGER_GROUP = env_str("ETIME_LDAP_MANAGER_GROUP", "")
ETIME_LDAP_FINANCE_GROUP = env_str("ETIME_LDAP_FINANCE_GROUP", "")
AUTH_LDAP_GROUP_SEARCH = None  # django-auth-ldap's; set below from ETIME_LDAP_GROUP_SEARCH_BASE
if AUTH_LDAP_SERVER_URI:
    from accounts.ldap_config import LdapConfig, auth_ldap_settings
    from etime.env import ImproperlyConfiguredEnv

    try:
        globals().update(
            auth_ldap_settings(
                LdapConfig(
                    server_uri=AUTH_LDAP_SERVER_URI,
                    bind_dn=env_str("ETIME_LDAP_BIND_DN", ""),
                    bind_password=env_str("ETIME_LDAP_BIND_PASSWORD", ""),
                    user_search_base=env_str("ETIME_LDAP_USER_SEARCH_BASE", ""),
                    user_filter=env_str("ETIME_LDAP_USER_FILTER", "(uid=%(user)s)"),
                    start_tls=env_bool("ETIME_LDAP_START_TLS", False),
                    ca_file=env_str("ETIME_LDAP_CA_FILE", ""),
                    group_search_base=env_str("ETIME_LDAP_GROUP_SEARCH_BASE", ""),
                    group_type=env_str("ETIME_LDAP_GROUP_TYPE", "groupOfNames"),
                    require_group=env_str("ETIME_LDAP_REQUIRE_GROUP", ""),
                    admin_group=ETIME_LDAP_ADMIN_GROUP,
                    manager_group=ETIME_LDAP_MANAGER_GROUP,
                    finance_group=ETIME_LDAP_FINANCE_GROUP,
                    email_attr=ETIME_LDAP_EMAIL_ATTR,
                    create_users=env_bool("ETIME_LDAP_CREATE_USERS", False),
                    timeout_seconds=env_int("ETIME_LDAP_TIMEOUT_SECONDS", 5, minimum=1),
                )
            )
        )
    except ValueError as exc:
        raise ImproperlyConfiguredEnv(str(exc)) from None
    # Right after axes: a locked-out account is refused before the directory is asked.
    AUTHENTICATION_BACKENDS.insert(
        AUTHENTICATION_BACKENDS.index("axes.backends.AxesStandaloneBackend") + 1,
        "accounts.ldap_backend.DirectoryBackend",
    )
# --- end LDAP / Active Directory ------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# One rule for set-password links, whether an invitation or a forgotten password mailed
# them (docs/SECURITY.md "Forgotten passwords").
PASSWORD_RESET_TIMEOUT = env_int("ETIME_INVITATION_VALID_DAYS", 7, minimum=1) * 86400

AXES_FAILURE_LIMIT = env_int("ETIME_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ETIME_LOGIN_COOLOFF_MINUTES", 30, minimum=1))
# Lock the account (the username), whichever address the attempts come from.
AXES_LOCKOUT_PARAMETERS = [p for p in env_list("ETIME_LOGIN_LOCKOUT_PARAMETERS", ["username"])]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "etime.core.auth.lockout_response"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
# Always `Secure` on an https deployment; on any other, still `Secure` on each response to a
# request that came over TLS (etime.core.security; behind a proxy, see SECURE_PROXY_SSL_HEADER).
SESSION_COOKIE_SECURE = env_bool("ETIME_SECURE_COOKIES", not DEBUG and not ETIME_BASE_URL.startswith("http://"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("ETIME_BEHIND_TLS_PROXY", False) else None
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp; docs/SECURITY.md "Content-Security-Policy"): scripts
# only from our own static files (no inline script, no eval; a template that needs an
# inline script gives it nonce="{{ request.csp_nonce }}"), nothing framed, forms post
# only here. Inline *styles* stay allowed: the admin's widgets, htmx's indicator style
# and a few colour cells set them, and a style cannot run code.
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        # Redoc (/api/redoc/) parses the schema in a worker it starts from a blob.
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
# An https deployment (docs/DEPLOYMENT.md) gets HSTS, and, behind the TLS proxy where Django
# knows the scheme, plain-HTTP visitors are sent to HTTPS. Health checks and ADMS clocks
# (many speak plain HTTP only) are exempt from the redirect, and so is /metrics, which
# Prometheus may scrape on gunicorn's port inside the network (a redirect would not take
# back a token already sent).
_https_deploy = not DEBUG and ETIME_BASE_URL.startswith("https://")
SECURE_SSL_REDIRECT = env_bool("ETIME_SSL_REDIRECT", _https_deploy and SECURE_PROXY_SSL_HEADER is not None)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^iclock/", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("ETIME_HSTS_SECONDS", 31_536_000 if _https_deploy else 0, minimum=0)

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(DATA_DIR / "outbox")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "etime <etime@localhost>")

# --- I18N, time -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Each name in its own language (a person looks for theirs). German is written the Swiss way
# (ss, not ß): docs/ARCHITECTURE.md "Translations".
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("it", "Italiano")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The pseudo-locale (CI only; docs/ARCHITECTURE.md "Translations"): a directory made by
# `manage.py pseudo_locale DIR`, where every catalog string is decorated ("[!! Ŝţåŕţ !!]").
# When set, LANGUAGES gains ETIME_PSEUDO_LANGUAGE and the directory's catalogs win over all
# others; ./etimectl production crawls every page in it. Never set in a deployment.
ETIME_PSEUDO_LANGUAGE = "en-xa"
ETIME_PSEUDO_LOCALE_DIR = env_str("ETIME_PSEUDO_LOCALE_DIR")
if ETIME_PSEUDO_LOCALE_DIR:
    from django.conf.locale import LANG_INFO

    LANG_INFO.setdefault(
        ETIME_PSEUDO_LANGUAGE, {"bidi": False, "code": ETIME_PSEUDO_LANGUAGE, "name": "Pseudo", "name_local": "Pseudo"}
    )
    LANGUAGES = [*LANGUAGES, (ETIME_PSEUDO_LANGUAGE, "Pseudo")]
    LOCALE_PATHS = [Path(ETIME_PSEUDO_LOCALE_DIR).resolve(), *LOCALE_PATHS]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
# Our overrides of Django's locale formats (English on the 24-hour clock).
FORMAT_MODULE_PATH = ["etime.formats"]
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("ETIME_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("ETIME_MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "etime.core.api.permissions.TokenScopePermission",
    ],
    "DEFAULT_PAGINATION_CLASS": "etime.core.api.pagination.EtimeCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "etime.core.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_RATES": {
        "token_login": env_str("ETIME_TOKEN_LOGIN_THROTTLE", "10/min"),
        # Forgotten-password requests, per client address and per e-mail address typed.
        "password_reset_client": env_str("ETIME_PASSWORD_RESET_CLIENT_THROTTLE", "20/hour"),
        "password_reset_account": env_str("ETIME_PASSWORD_RESET_ACCOUNT_THROTTLE", "5/hour"),
        "user": env_str("ETIME_API_USER_THROTTLE", "6000/hour"),
        # ADMS calls with a serial no clock has, per client address (docs/SECURITY.md "ADMS push").
        "adms_unknown": env_str("ETIME_ADMS_UNKNOWN_THROTTLE", "12/min"),
        # Kiosk pairing attempts, per client address (docs/SECURITY.md "Kiosks").
        "kiosk_pair": env_str("ETIME_KIOSK_PAIR_THROTTLE", "10/min"),
    },
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    # Throttles key on the client address: trust X-Forwarded-For only as far as our own
    # proxies go, or anyone can dodge the token-login throttle by sending that header.
    "NUM_PROXIES": env_int("ETIME_NUM_PROXIES", 1 if env_bool("ETIME_BEHIND_TLS_PROXY", False) else 0, minimum=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "etime API",
    "DESCRIPTION": "Workforce time platform: employees, attendance, leave, time entries and billing.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI's default asks validator.swagger.io for a badge (in its standalone layout).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # The sidecar's Redoc with its footer logo (an image from cdn.redoc.ly) taken out:
    # static/vendor/README.md. The view appends /bundles/redoc.standalone.js.
    "REDOC_DIST": f"{STATIC_URL}vendor/redoc-2.5.4",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- etime ----------------------------------------------------------------------------
ETIME_COMPANY_NAME = env_str("ETIME_COMPANY_NAME", "etime")
# The seller on invoices (docs/BILLING.md) until an admin stores the company's details in
# Company settings, which win. Address lines are separated by "|": street first, then
# postcode and town.
ETIME_COMPANY_ADDRESS_LINES = [
    line.strip() for line in env_str("ETIME_COMPANY_ADDRESS_LINES").split("|") if line.strip()
]
ETIME_COMPANY_COUNTRY = env_str("ETIME_COMPANY_COUNTRY", "CH").upper()
ETIME_COMPANY_VAT_ID = env_str("ETIME_COMPANY_VAT_ID")
ETIME_COMPANY_IBAN = env_str("ETIME_COMPANY_IBAN")
ETIME_COMPANY_EMAIL = env_str("ETIME_COMPANY_EMAIL")
ETIME_COMPANY_LOGO_PATH = env_str("ETIME_COMPANY_LOGO_PATH")
# Invoice and credit-note numbers: each its own series per year ({year}, {seq}).
ETIME_INVOICE_NUMBER_FORMAT = env_format("ETIME_INVOICE_NUMBER_FORMAT", "INV-{year}-{seq:04}", year=2026, seq=1)
ETIME_CREDIT_NOTE_NUMBER_FORMAT = env_format("ETIME_CREDIT_NOTE_NUMBER_FORMAT", "CN-{year}-{seq:04}", year=2026, seq=1)
# Who gets the overdue-invoice mails besides the finance group (else the company e-mail).
ETIME_BILLING_REMINDER_EMAIL = env_str("ETIME_BILLING_REMINDER_EMAIL")
# The accounting journal's accounts (SKR-style defaults): receivables=…,revenue=…,vat=…,bank=…
ETIME_BILLING_ACCOUNTS = env_map(
    "ETIME_BILLING_ACCOUNTS",
    {"receivables": "1400", "revenue": "8400", "vat": "1776", "bank": "1200"},
    keys={"receivables", "revenue", "vat", "bank"},
)
# A timer still running after this many hours is stopped by the beat task (docs/TIMESHEETS.md).
ETIME_TIMER_LIMIT_HOURS = env_int("ETIME_TIMER_LIMIT_HOURS", 10, minimum=1)
# Read in-app notifications (the bell) are deleted this many days after they were read (docs/OPERATIONS.md).
ETIME_NOTIFICATIONS_READ_RETENTION_DAYS = env_int("ETIME_NOTIFICATIONS_READ_RETENTION_DAYS", 90, minimum=1)
ETIME_IDEMPOTENCY_TTL_HOURS = env_int("ETIME_IDEMPOTENCY_TTL_HOURS", 24, minimum=1)
# Largest request body (uploads included) accepted before it is read: 413 payload_too_large.
ETIME_MAX_REQUEST_BYTES = env_int("ETIME_MAX_REQUEST_BYTES", 10 * 1024 * 1024, minimum=1024)
ETIME_TOKEN_LAST_USED_RESOLUTION_SECONDS = 60
# Attendance (docs/ATTENDANCE.md): when a day is final without a device sync, how far back
# plan changes recompute, how far back the periodic close looks, and the largest inline
# recompute the API runs before queueing.
ETIME_ATTENDANCE_FINAL_AFTER_HOURS = env_int("ETIME_ATTENDANCE_FINAL_AFTER_HOURS", 48, minimum=1)
ETIME_ATTENDANCE_RECOMPUTE_BACK_DAYS = env_int("ETIME_ATTENDANCE_RECOMPUTE_BACK_DAYS", 31, minimum=1)
ETIME_ATTENDANCE_CLOSE_LOOKBACK_DAYS = env_int("ETIME_ATTENDANCE_CLOSE_LOOKBACK_DAYS", 7, minimum=1)
ETIME_ATTENDANCE_SYNC_RECOMPUTE_LIMIT = env_int("ETIME_ATTENDANCE_SYNC_RECOMPUTE_LIMIT", 1000, minimum=1)
# Punches and timer actions queued offline by an installed app or a kiosk (docs/SECURITY.md
# "Client devices"): the device clock's largest accepted drift at sync, and how old a queued
# punch may be before it becomes a correction request instead of a punch.
ETIME_OFFLINE_MAX_DRIFT_SECONDS = env_int("ETIME_OFFLINE_MAX_DRIFT_SECONDS", 300, minimum=1)
ETIME_OFFLINE_MAX_AGE_HOURS = env_int("ETIME_OFFLINE_MAX_AGE_HOURS", 72, minimum=1)
# Time-entry CSV imports (docs/TIMESHEETS.md) of more rows than this run as a Celery task
# the caller follows as a Job (202); smaller ones answer at once.
ETIME_IMPORT_ASYNC_ROWS = env_int("ETIME_IMPORT_ASYNC_ROWS", 2000, minimum=1)
# ADMS push trust (docs/SECURITY.md "ADMS push"): how far past a clock's newest stored record
# an upload's Stamp may point, and how many new unknown serials are recorded per hour (the
# per-address rate of unknown-serial calls is the `adms_unknown` throttle rate above).
ETIME_ADMS_STAMP_MARGIN_MINUTES = env_int("ETIME_ADMS_STAMP_MARGIN_MINUTES", 60, minimum=0)
ETIME_ADMS_NEW_KNOCKS_PER_HOUR = env_int("ETIME_ADMS_NEW_KNOCKS_PER_HOUR", 20, minimum=1)
# The largest body a push clock may send (ATTLOG batch, photo); larger ones get 413.
ETIME_ADMS_MAX_BODY_BYTES = env_int("ETIME_ADMS_MAX_BODY_BYTES", 4 * 1024 * 1024, minimum=1024)
# Pulled time clocks (docs/DEVICE_INTEGRATION.md "Settings"): how often beat looks for due
# clocks, the longest wait on a failing one, when a silent one raises an alert, the lease a
# sync holds per phase, and how many records one committed chunk stores.
ETIME_DEVICE_FANOUT_SECONDS = env_int("ETIME_DEVICE_FANOUT_SECONDS", 15, minimum=1)
ETIME_DEVICE_BACKOFF_CAP_SECONDS = env_int("ETIME_DEVICE_BACKOFF_CAP_SECONDS", 3600, minimum=1)
ETIME_DEVICE_OFFLINE_ALERT_MINUTES = env_int("ETIME_DEVICE_OFFLINE_ALERT_MINUTES", 60, minimum=1)
ETIME_DEVICE_SYNC_LEASE_SECONDS = env_int("ETIME_DEVICE_SYNC_LEASE_SECONDS", 120, minimum=1)
ETIME_DEVICE_INGEST_CHUNK = env_int("ETIME_DEVICE_INGEST_CHUNK", 20000, minimum=1)
# Where the embedded default's simulated clock listens (./etimectl run starts it there).
ETIME_SIMULATOR_PORT = env_int("ETIME_SIMULATOR_PORT", 4370, minimum=1)
# Geofenced clock-in (docs/SECURITY.md "Geofence"): a phone position less precise than this
# (its reported accuracy, metres) counts as unknown; a precise enough one gets its accuracy as
# margin, so the fence stretches by at most this much.
ETIME_GEOFENCE_MAX_ACCURACY_M = env_int("ETIME_GEOFENCE_MAX_ACCURACY_M", 100, minimum=5)

# --- Two-factor authentication (accounts/twofactor.py, docs/SECURITY.md "Two-factor") -----------
# django-otp: a TOTP device (an authenticator app) and a static device holding the recovery
# codes. OTPMiddleware marks a session verified; our gate (accounts.twofactor_middleware)
# sends a signed-in person who still owes a second factor to it before anything else.
# Before accounts: accounts.admin takes django-otp's device admins out of the back office.
INSTALLED_APPS[INSTALLED_APPS.index("accounts") : INSTALLED_APPS.index("accounts")] = [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("accounts.middleware.UserLanguageMiddleware") + 1,
    "accounts.twofactor_middleware.TwoFactorMiddleware",
)
# Who must use a second factor: any of "admin" (admin role, superuser or staff), "finance"
# (the finance group), "manager", "everyone"; "none" (or empty) makes it optional for all.
ETIME_2FA_REQUIRED_FOR = [v.lower() for v in env_list("ETIME_2FA_REQUIRED_FOR", ["admin", "finance"])]
_2fa_known = {"admin", "finance", "manager", "everyone", "none"}
from etime.env import ImproperlyConfiguredEnv  # noqa: E402  (kept inside this block)

if set(ETIME_2FA_REQUIRED_FOR) - _2fa_known:
    raise ImproperlyConfiguredEnv(
        f"ETIME_2FA_REQUIRED_FOR: unknown {sorted(set(ETIME_2FA_REQUIRED_FOR) - _2fa_known)}; use {sorted(_2fa_known)}"
    )
ETIME_2FA_RECOVERY_CODES = 10
# The name authenticator apps show beside the login (otpauth:// issuer).
OTP_TOTP_ISSUER = env_str("ETIME_2FA_ISSUER", ETIME_COMPANY_NAME)
# Second-factor failures count toward the django-axes lockout; a correct password alone no
# longer clears the count for a person with a second factor (the code does).
AXES_HANDLER = "accounts.twofactor.TwoFactorAxesHandler"
# --- end two-factor authentication ----------------------------------------------------------

# --- Operations (etime.ops, docs/OPERATIONS.md) ------------------------------------------
# Backups go to ETIME_BACKUP_DIR, or to the django-storages backend named by
# ETIME_BACKUP_STORAGE (a key of STORAGES). ETIME_BACKUP_KEY (or _FILE) turns on encryption.
ETIME_BACKUP_DIR = Path(env_str("ETIME_BACKUP_DIR", str(DATA_DIR / "backups")))
ETIME_BACKUP_STORAGE = env_str("ETIME_BACKUP_STORAGE")
ETIME_BACKUP_KEY = env_str("ETIME_BACKUP_KEY")
ETIME_BACKUP_LOGICAL = env_bool("ETIME_BACKUP_LOGICAL", True)
ETIME_BACKUP_VERIFY = env_bool("ETIME_BACKUP_VERIFY", True)
ETIME_BACKUP_KEEP_DAILY = env_int("ETIME_BACKUP_KEEP_DAILY", 7, minimum=1)
ETIME_BACKUP_KEEP_WEEKLY = env_int("ETIME_BACKUP_KEEP_WEEKLY", 4, minimum=0)
ETIME_BACKUP_KEEP_MONTHLY = env_int("ETIME_BACKUP_KEEP_MONTHLY", 6, minimum=0)
ETIME_BACKUP_KEEP_RESTORE_POINTS = env_int("ETIME_BACKUP_KEEP_RESTORE_POINTS", 3, minimum=1)
ETIME_BACKUP_MAX_AGE_HOURS = env_int("ETIME_BACKUP_MAX_AGE_HOURS", 26, minimum=1)
ETIME_HEALTH_PING_SECONDS = env_int("ETIME_HEALTH_PING_SECONDS", 1, minimum=1)
ETIME_HEALTH_HEARTBEAT_MAX_SECONDS = env_int("ETIME_HEALTH_HEARTBEAT_MAX_SECONDS", 300, minimum=60)
# --- end operations ------------------------------------------------------------------------

# --- Single sign-on (OpenID Connect) --------------------------------------------------------
# django-allauth's socialaccount with its `openid_connect` provider (docs/DEPLOYMENT.md
# "Single sign-on", docs/SECURITY.md "Single sign-on"). etime's own password login stays at
# /accounts/login/ (Django's LoginView + axes); allauth's account app is installed only because
# socialaccount needs it: no signup, none of its URLs but the SSO ones (accounts/sso_urls.py).
# ETIME_OIDC_PROVIDERS (or _FILE) is a JSON list, one object per provider:
#   {"id": "entra", "name": "Microsoft", "server_url": "https://.../v2.0", "client_id": "...",
#    "secret": "...", "roles_claim": "groups", "roles": {"<claim value>": "admin|manager|employee"},
#    "finance": ["<claim value>", ...], "jit": false, "trust_email": false,
#    "scope": ["openid", "email", "profile"]}
# Each becomes an allauth APP whose "settings" carry etime's mapping (accounts/sso.py reads it).
import json as _json  # noqa: E402
from urllib.parse import urlsplit as _urlsplit  # noqa: E402

from etime.env import ImproperlyConfiguredEnv  # noqa: E402

INSTALLED_APPS += [
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "allauth.account.middleware.AccountMiddleware",
)
ETIME_SSO_ROLES = ("admin", "manager", "employee")


def _oidc_app(entry: Any, index: int) -> dict[str, Any]:
    where = f"ETIME_OIDC_PROVIDERS[{index}]"
    if not isinstance(entry, dict):
        raise ImproperlyConfiguredEnv(f"{where} is not a JSON object")
    for key in ("id", "server_url", "client_id"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ImproperlyConfiguredEnv(f"{where}.{key} is required (a non-empty string)")
    if not entry["id"].replace("-", "").replace("_", "").isalnum():
        raise ImproperlyConfiguredEnv(f"{where}.id={entry['id']!r} may hold only letters, digits, - and _")
    if _urlsplit(entry["server_url"]).scheme not in ("https", "http"):
        raise ImproperlyConfiguredEnv(f"{where}.server_url={entry['server_url']!r} is not an http(s) URL")
    roles = entry.get("roles") or {}
    if not isinstance(roles, dict) or any(r not in ETIME_SSO_ROLES for r in roles.values()):
        raise ImproperlyConfiguredEnv(f"{where}.roles maps claim values to one of {', '.join(ETIME_SSO_ROLES)}")
    finance = entry.get("finance") or []
    if not isinstance(finance, list) or not all(isinstance(v, str) for v in finance):
        raise ImproperlyConfiguredEnv(f"{where}.finance is a list of claim values")
    return {
        "provider_id": entry["id"],
        "name": entry.get("name") or entry["id"],
        "client_id": entry["client_id"],
        "secret": entry.get("secret", ""),
        "settings": {
            "server_url": entry["server_url"],
            "oauth_pkce_enabled": True,
            "scope": entry.get("scope") or ["openid", "email", "profile"],
            "etime_roles_claim": entry.get("roles_claim") or "",
            "etime_roles": roles,
            "etime_finance": finance,
            "etime_jit": bool(entry.get("jit", False)),
            "etime_trust_email": bool(entry.get("trust_email", False)),
        },
    }


try:
    _oidc_entries = _json.loads(env_str("ETIME_OIDC_PROVIDERS", "[]") or "[]")
except ValueError as _exc:
    raise ImproperlyConfiguredEnv(f"ETIME_OIDC_PROVIDERS is not JSON: {_exc}") from None
if not isinstance(_oidc_entries, list):
    raise ImproperlyConfiguredEnv("ETIME_OIDC_PROVIDERS is a JSON list of providers")
_oidc_apps = [_oidc_app(entry, i) for i, entry in enumerate(_oidc_entries)]
if len({app["provider_id"] for app in _oidc_apps}) != len(_oidc_apps):
    raise ImproperlyConfiguredEnv("ETIME_OIDC_PROVIDERS: each provider needs an id of its own")
SOCIALACCOUNT_PROVIDERS: dict[str, Any] = {
    "openid_connect": {
        # Adds and checks the OpenID Connect `nonce` (allauth checks `state` and PKCE).
        "provider_class": "accounts.sso_provider.EtimeOpenIDConnectProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": _oidc_apps,
    }
}
# The login buttons post to /accounts/oidc/<id>/login/, which redirects to the provider:
# a redirect that follows a form post must be allowed by form-action.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] += sorted(
    {"{0.scheme}://{0.netloc}".format(_urlsplit(entry["server_url"])) for entry in _oidc_entries}
)
SOCIALACCOUNT_ADAPTER = "accounts.sso_adapter.SocialAccountAdapter"
ACCOUNT_ADAPTER = "accounts.sso_adapter.AccountAdapter"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = True
# accounts/sso.py matches people itself: only an `email_verified` address, or the stored subject.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
# --- end single sign-on ---------------------------------------------------------------------

# --- Logging --------------------------------------------------------------------------
LOG_FORMAT = env_str("ETIME_LOG_FORMAT", "json")
LOG_LEVEL = env_str("ETIME_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "etime.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT if LOG_FORMAT in ("json", "text") else "json",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

# axes.W006 warns that lockout ignores the address. Deliberate: a lockout protects the
# account whichever address guesses its password; per-address rate limits come from
# DRF throttling on the token endpoint.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# HSTS for subdomains and the browsers' preload list commit the whole domain, which etime
# cannot know about; ETIME_HSTS_INCLUDE_SUBDOMAINS / ETIME_HSTS_PRELOAD opt in.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ETIME_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("ETIME_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS += ["security.W005", "security.W021"]
if DATABASES["default"]["ENGINE"] == MYSQL_BACKEND:
    # models.W036/W037: MariaDB/MySQL have no partial unique constraints or indexes. Each
    # partial unique rule is a unique key over a generated column there instead
    # (etime/core/db/mysql_schema.py, whose test fails when a rule is missing); the
    # partial indexes only speed reads up, and their plain columns are indexed anyway.
    SILENCED_SYSTEM_CHECKS += ["models.W036", "models.W037"]

# The shared kiosk (issue #20; docs/SECURITY.md "Kiosks"): how many wrong PINs in a row lock a
# badge at the kiosk, for how long, and how long an admin's pairing code stays valid.
ETIME_KIOSK_PIN_MAX_FAILURES = env_int("ETIME_KIOSK_PIN_MAX_FAILURES", 5, minimum=1)
ETIME_KIOSK_PIN_LOCKOUT_MINUTES = env_int("ETIME_KIOSK_PIN_LOCKOUT_MINUTES", 15, minimum=1)
ETIME_KIOSK_PAIRING_MINUTES = env_int("ETIME_KIOSK_PAIRING_MINUTES", 15, minimum=1)
# Kiosk photos at punch time (off per kiosk by default): days they are kept, and the largest
# JPEG a kiosk may send (docs/SECURITY.md "Kiosk photos").
ETIME_KIOSK_PHOTO_DAYS = env_int("ETIME_KIOSK_PHOTO_DAYS", 30, minimum=1)
ETIME_KIOSK_PHOTO_MAX_BYTES = env_int("ETIME_KIOSK_PHOTO_MAX_BYTES", 400_000, minimum=10_000)

# --- Metrics and error reports (docs/OPERATIONS.md "Metrics") ----------------------------
# GET /metrics answers a bearer token or an allow-listed peer address; with neither it is off.
ETIME_METRICS_TOKEN = env_str("ETIME_METRICS_TOKEN")
_metrics_allow = env_list("ETIME_METRICS_ALLOW")
try:
    import ipaddress as _ipaddress

    ETIME_METRICS_ALLOW = [_ipaddress.ip_network(item, strict=False) for item in _metrics_allow]
except ValueError as _exc:
    from etime.env import ImproperlyConfiguredEnv

    raise ImproperlyConfiguredEnv(f"ETIME_METRICS_ALLOW: {_exc}") from None
# prometheus-client's multiprocess mode (gunicorn's and Celery's processes write their
# counts to files here, /metrics adds them up); the library reads the same variable.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
# Errors to Sentry (or a Sentry-compatible service such as GlitchTip) when a DSN is set.
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # People's names, addresses and punches stay here: no request bodies, users or cookies.
        send_default_pii=False,
        traces_sample_rate=0.0,
    )
