"""Django settings. Every knob comes from the environment; the defaults are the embedded mode.

Embedded mode: SQLite (WAL) + django-q2's ORM broker + the channels-lite SQLite channel layer, so
daphne and the qcluster reach each other without any server. Scale mode: set DATABASE_URL to a
PostgreSQL URL and REDIS_URL to a Redis URL; the broker and the channel layer follow.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from flowdesigner.env import ConfigError, envbool, envfloat, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("FLOWDESIGNER_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database and uploads live here

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envstr("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_q",
    "channels_lite",
    "flowdesigner",
    "people",
    "people.outbox",
    "engine",
    "engine.sftp",
    "engine.flow_api",
    "engine.reports",
    "messaging",
    "axes",  # login throttling (see "Login and token throttling" below)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a refused login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "flowdesigner.urls"
ASGI_APPLICATION = "flowdesigner.asgi.application"

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
                "flowdesigner.roles.roles_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'flowdesigner.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
IS_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if IS_SQLITE:
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web process read while a worker writes; IMMEDIATE takes the write lock at
        # BEGIN, so two transactions advancing one participant queue up instead of deadlocking.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # Each web request thread (flowdesigner/http.py), worker loop and socket thread keeps its connection:
    # opening one per request (the PRAGMAs and Django's SQL functions) was a tenth of a trivial GET. None
    # crosses a fork (django-q2 forks its processes): see flowdesigner/dbpool.py.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    from flowdesigner.dbpool import close_sqlite_before_fork

    os.register_at_fork(before=close_sqlite_before_fork)
    # A file, not memory: tests start real daphne/qcluster/launch processes against it. One file
    # per test run, so two runs on one machine do not share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

# PostgreSQL: each process keeps a pool of connections (Django's psycopg pool) instead of opening one
# per request (3.6 ms each, a third of a trivial GET). DB_POOL_MAX_SIZE=0 turns pooling off (e.g. behind
# PgBouncer). Sizing against max_connections: docs/operations.md, "Web workers".
DB_POOL_MIN_SIZE = envint("DB_POOL_MIN_SIZE", 2)
DB_POOL_MAX_SIZE = envint("DB_POOL_MAX_SIZE", 10)
DB_POOL_TIMEOUT = envfloat("DB_POOL_TIMEOUT", 10.0)
if DB_POOL_MAX_SIZE < 0:
    raise ConfigError(f"DB_POOL_MAX_SIZE must be 0 (no pool) or more, not {DB_POOL_MAX_SIZE}")
if DB_POOL_MAX_SIZE and not 0 <= DB_POOL_MIN_SIZE <= DB_POOL_MAX_SIZE:
    raise ConfigError(
        f"DB_POOL_MIN_SIZE ({DB_POOL_MIN_SIZE}) must be between 0 and DB_POOL_MAX_SIZE ({DB_POOL_MAX_SIZE})"
    )
if DB_POOL_TIMEOUT <= 0:
    raise ConfigError(f"DB_POOL_TIMEOUT must be more than 0 seconds, not {DB_POOL_TIMEOUT:g}")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_POOL_MAX_SIZE > 0:
    from flowdesigner.dbpool import close_pools_before_fork

    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": DB_POOL_MIN_SIZE,
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": DB_POOL_TIMEOUT,  # how long a request waits for a free connection before failing
    }
    os.register_at_fork(before=close_pools_before_fork)  # see flowdesigner/dbpool.py

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis / broker / channel layer -----------------------------------------------------------
REDIS_URL = envstr("REDIS_URL", "")

# channels-redis waits for a socket's next message with BZPOPMIN for 5 s (brpop_timeout); redis-py
# gives each connection a 5 s socket timeout by default, so the read raced the timeout and idle
# websockets were closed with 1011. The socket timeout must stay well above the blocking pop.
CHANNEL_LAYER_SOCKET_TIMEOUT = envfloat("CHANNEL_LAYER_SOCKET_TIMEOUT", 30.0)
# Both layers count capacity per process, not per socket (all sockets of a daphne share one queue), and a
# dispatch sends a whole batch at once (messaging/layers.py): the default 100 would drop most of a launch
# batch to a process holding many open inboxes.
CHANNEL_LAYER_CAPACITY = envint("CHANNEL_LAYER_CAPACITY", 5000)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels-redis, with one reader per process and in-process delivery (messaging/layers.py).
            "BACKEND": "messaging.layers.ScaleChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT}],
                "capacity": CHANNEL_LAYER_CAPACITY,
            },
        }
    }
elif IS_SQLITE:
    CHANNEL_LAYERS = {
        "default": {
            # channels-lite, delivering a backlog per poll and in-process when it can. A poll is one
            # indexed read on a thread of its own; a push between processes waits for the next one.
            "BACKEND": "messaging.layers.EmbeddedChannelLayer",
            "CONFIG": {"database": "default", "polling_interval": 0.05, "capacity": CHANNEL_LAYER_CAPACITY},
        }
    }
else:  # PostgreSQL without Redis: a single-process layer, only good for one daphne + tests.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# manage.py serve: how many daphne processes share the port, each holding websockets, the channel layer
# linking them (docs/operations.md, "Web workers"). The in-memory layer links no processes: one there.
IN_MEMORY_CHANNEL_LAYER = CHANNEL_LAYERS["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
WEB_WORKERS = envint("WEB_WORKERS", 1 if IN_MEMORY_CHANNEL_LAYER else os.cpu_count() or 1)
if WEB_WORKERS < 1:
    raise ConfigError(f"WEB_WORKERS must be at least 1, not {WEB_WORKERS}")

Q_CLUSTER = {
    "name": "flowdesigner",
    "workers": envint("Q_WORKERS", 2),
    "timeout": envint("Q_TIMEOUT", 600),
    "retry": envint("Q_RETRY", 660),
    "max_attempts": envint("Q_MAX_ATTEMPTS", 3),
    "catch_up": False,
    "poll": 0.2,
    "label": "Tasks",
    "ack_failures": True,
    "sync": envbool("Q_SYNC", False),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Auth -----------------------------------------------------------------------------------
# axes' backend first: it refuses a locked-out username + address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Logs in; each request's user comes with their person in one query (flowdesigner/auth.py).
    "flowdesigner.auth.UserWithPersonBackend",
    # Only for sessions that logged in before the backend above existed (they stay signed in).
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

REST_FRAMEWORK = {
    # Token first: an API client without valid credentials gets 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "flowdesigner.throttling.ThrottledTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "flowdesigner.api_pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser, refusing bodies nested deeper than 64 levels with a 400 (not a RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "flowdesigner.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Flowdesigner API",
    "DESCRIPTION": "People, flows, launches and inbox of Flowdesigner. Token auth: `Authorization: Token <key>`.",  # noqa: E501
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: a self-hosted product must not need a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "ENUM_NAME_OVERRIDES": {
        "FlowStatusEnum": "flowdesigner.models.Flow.Status",
        "LaunchStatusEnum": "engine.models.Launch.Status",
        "ImportStatusEnum": "people.models.PersonImport.Status",
    },
    # Enum components first, then the error answers every endpoint gives (401, 403, 404, 400 ...).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "flowdesigner.openapi.add_error_responses",
        "flowdesigner.openapi.portable_integer_ranges",
    ],
}

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "collected-static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns at startup when it is missing
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Uploaded files (form photos) ---------------------------------------------------------------
# Never served publicly: /media/uploads/... goes through messaging.views.upload_file, which checks that
# the caller owns the file (or is staff).
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# People CSV imports: the largest file accepted, and the rows committed per transaction.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
IMPORT_BATCH_SIZE = envint("IMPORT_BATCH_SIZE", 1000)

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)

# Outgoing email (results emails, the email channel's SMTP gateway): Django's email backend.
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)

# --- Product knobs --------------------------------------------------------------------------
LAUNCH_BATCH_SIZE = envint("LAUNCH_BATCH_SIZE", 500)
CALLBACK_TIMEOUT_SECONDS = envint("CALLBACK_TIMEOUT_SECONDS", 10)
CALLBACK_MAX_ATTEMPTS = envint("CALLBACK_MAX_ATTEMPTS", 6)
# Callbacks are refused for loopback/private addresses unless allowed here (SSRF guard).
# Comma-separated hosts or CIDRs, e.g. "127.0.0.1,10.0.0.0/8".
CALLBACK_ALLOWED_PRIVATE = envlist("CALLBACK_ALLOWED_PRIVATE", [])
# --- Channels: SMS and voice over an HTTP gateway, email over SMTP (messaging/transports/) ---------
# Gateway URLs resolving into the internal network are refused unless allowed here (hosts or CIDRs, like
# CALLBACK_ALLOWED_PRIVATE). Each send waits at most GATEWAY_TIMEOUT_SECONDS for the gateway.
GATEWAY_ALLOWED_PRIVATE = envlist("GATEWAY_ALLOWED_PRIVATE", [])
GATEWAY_TIMEOUT_SECONDS = envfloat("GATEWAY_TIMEOUT_SECONDS", 10.0)
# A send the gateway may accept later (5xx, 429, timeout) is tried again after MESSAGE_SEND_BACKOFF_SECONDS,
# doubling up to an hour, MESSAGE_SEND_MAX_ATTEMPTS times in all before the message is failed.
MESSAGE_SEND_MAX_ATTEMPTS = envint("MESSAGE_SEND_MAX_ATTEMPTS", 6)
MESSAGE_SEND_BACKOFF_SECONDS = envint("MESSAGE_SEND_BACKOFF_SECONDS", 10)
# The largest webhook body (inbound messages, delivery reports, calls); see flowdesigner/limits.py.
WEBHOOK_MAX_BYTES = envint("WEBHOOK_MAX_BYTES", 1024 * 1024)
# Phone numbers written without +country are read as numbers of this region (ISO 3166 code).
PEOPLE_DEFAULT_REGION = envstr("PEOPLE_DEFAULT_REGION", "BE").upper()
if len(PEOPLE_DEFAULT_REGION) != 2 or not PEOPLE_DEFAULT_REGION.isalpha():
    raise ConfigError(
        f"PEOPLE_DEFAULT_REGION must be a two-letter country code, not {PEOPLE_DEFAULT_REGION!r}"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (404, 403, 400) is one line, without the traceback Django attaches.
    "filters": {"refused_requests": {"()": "flowdesigner.logfilters.RefusedRequestFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["refused_requests"]}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # asyncssh logs about 20 INFO lines per SFTP connection, i.e. every poll.
    # axes logs every successful login at INFO; lockouts stay visible as WARNING.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "asyncssh": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
# Pause between launch batches, to spread the load of a large launch (0 = none).
LAUNCH_BATCH_PAUSE_SECONDS = envfloat("LAUNCH_BATCH_PAUSE_SECONDS", 0.0)
# A launch runs in slices of about this many seconds, each one outbox event, so a killed worker loses
# at most one slice's lease before another worker continues after the committed cursor.
LAUNCH_SLICE_SECONDS = envfloat("LAUNCH_SLICE_SECONDS", 3.0)

# --- Outbox and timers (manage.py worker) ------------------------------------------------------------
# How often an idle worker looks for due outbox events and participant timers.
WORKER_POLL_SECONDS = envfloat("WORKER_POLL_SECONDS", 0.1)
# Participants resumed per timer transaction.
TIMER_BATCH_SIZE = envint("TIMER_BATCH_SIZE", 200)
# SFTP Import: how long after one look at a folder the next one is due (the seed: every 3 minutes).
SFTP_POLL_SECONDS = envfloat("SFTP_POLL_SECONDS", 180.0)
# Flow API: the rate limit a new API key starts with (staff change it per key), the largest request body
# (1,000 participants can exceed Django's 2 MiB form limit), and the work one outbox event does on an
# operation before it queues the rest.
FLOW_API_RATE_LIMIT_PER_MINUTE = envint("FLOW_API_RATE_LIMIT_PER_MINUTE", 60)
FLOW_API_MAX_BODY_BYTES = envint("FLOW_API_MAX_BODY_BYTES", 4 * 1024 * 1024)
FLOW_API_SLICE_SECONDS = envfloat("FLOW_API_SLICE_SECONDS", 5.0)
# How often the time triggers (Date or Time, date operators of profile triggers) are swept: a person
# enters at most this long after their moment.
TRIGGER_SWEEP_SECONDS = envfloat("TRIGGER_SWEEP_SECONDS", 30.0)
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", 10)
OUTBOX_KEEP_DAYS = envint("OUTBOX_KEEP_DAYS", 7)
# An import runs in slices of about this many seconds (one outbox event each).
IMPORT_SLICE_SECONDS = envfloat("IMPORT_SLICE_SECONDS", 10.0)
# Tests: handle every outbox event in the publishing process after commit (no worker process needed).
OUTBOX_RELAY_ALL = envbool("OUTBOX_RELAY_ALL", False)

# --- request limits (issue 13) ---
# The largest request body on any path (flowdesigner/limits.py). Enforced before anything parses the body.
# The paths that take files accept their own file limits (UPLOAD_MAX_BYTES, IMPORT_MAX_BYTES, ...).
# The default is Django's form limit plus room for a multipart envelope.
REQUEST_MAX_BYTES = envint("REQUEST_MAX_BYTES", DATA_UPLOAD_MAX_MEMORY_SIZE + 512 * 1024)

# --- Login and token throttling (issue 13) ---
# Logins (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that
# username is refused from that address for LOGIN_LOCKOUT_MINUTES, counted again from every attempt made
# meanwhile; other users, and the same user elsewhere, log in as usual. The login page answers 429 and
# says for how long (flowdesigner.throttling.lockout_response). A successful login clears the count.
# Behind a reverse proxy run daphne with --proxy-headers, so that REMOTE_ADDR is the client's address.
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", 15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_LOCKOUT_MINUTES < 1:
    raise ConfigError("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be at least 1")
AXES_ENABLED = True
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "flowdesigner.throttling.lockout_response"
AXES_VERBOSE = False  # no start-up banner on every manage.py command; failures are still logged
# API tokens (`Token` on /api/, `App` keys on the Flow API): after TOKEN_FAILURE_LIMIT refused tokens from
# one address within TOKEN_FAILURE_WINDOW_MINUTES, every token from that address gets 429 with Retry-After
# until the oldest failure leaves the window. Correct tokens are never counted. The counts live in the
# "throttle" cache: Redis in scale mode (shared by every process), else the process's memory.
TOKEN_FAILURE_LIMIT = envint("TOKEN_FAILURE_LIMIT", 20)
TOKEN_FAILURE_WINDOW_MINUTES = envint("TOKEN_FAILURE_WINDOW_MINUTES", 15)
if TOKEN_FAILURE_LIMIT < 1 or TOKEN_FAILURE_WINDOW_MINUTES < 1:
    raise ConfigError("TOKEN_FAILURE_LIMIT and TOKEN_FAILURE_WINDOW_MINUTES must be at least 1")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
}
