"""Django settings: every value comes from an environment variable (see README, "Configuration")."""

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_float, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# Where the embedded default keeps its SQLite file, broker folders and generated secret key.
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in VAR_DIR (single host)."""
    key = env_secret("SECRET_KEY")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

#
# Applications
#

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "django_prometheus",
    "portal",
    "catalog",
    "selfservice",
    "oncall",
    "planning",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.auth.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.portal",
            ],
        },
    },
]

#
# Database and cache
#

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "portal.database"  # Django's, with a health check only after idle time
    # PostgreSQL's default random_page_cost (4) prices an index probe for a spinning disk, which made the planner
    # scan whole tables to answer "the services of one team" (docs/benchmarks.md); its docs suggest about 1.1 for
    # SSDs. Sent as a session option; set DATABASE_RANDOM_PAGE_COST=4 to keep the server's planning.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c random_page_cost={env_float('DATABASE_RANDOM_PAGE_COST', 1.1)}"
    )
    # The API's hot reads run as prepared statements (portal/prepared.py): psycopg prepares a query of a
    # server-binding cursor on its second run on a connection; Django's own cursors bind on the client and are
    # never prepared. Off (DATABASE_PREPARED_STATEMENTS=false) for a pooler in transaction mode that cannot keep
    # them (PgBouncer before 1.21).
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 1 if env_bool("DATABASE_PREPARED_STATEMENTS", True) else None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: a web process and a worker share the file, so wait on locks instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    # Django's Redis backend, keeping its redis-py clients (portal/redis_cache.py).
    CACHES = {"default": {"BACKEND": "portal.redis_cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    # The embedded default: a file cache, shared by the web and the worker on one host (a one-time secret a
    # task hands to a page passes through it).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

#
# Authentication
#

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous visitors see only the sign-in page

# SSO: OpenID Connect plugs in when its client id and provider endpoints are configured.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    OIDC_RP_CLIENT_SECRET = env_secret("OIDC_RP_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
    OIDC_DEFAULT_ROLE = env_str("OIDC_DEFAULT_ROLE", "stakeholder")
    missing = [
        name
        for name in ("OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT")
        if not globals()[name]
    ]
    if missing:
        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set, so these are needed too: {', '.join(missing)}")
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.insert(0, "portal.auth.PortalOIDCBackend")

#
# REST API
#

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "portal.api.pagination.StableOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api.exceptions.portal_exception_handler",
}
# Each web process keeps the API tokens it has checked until PostgreSQL notifies a change to tokens or users
# (portal/api/checked_tokens.py). Off for a pooler in transaction mode, which cannot LISTEN.
API_TOKEN_CACHE = env_bool("API_TOKEN_CACHE", True)
KNOX_TOKEN_MODEL = "portal.ApiToken"  # noqa: S105 (a model name, not a secret)
# knox's own token table is replaced by portal.ApiToken: don't create it (its migrations predate swapping).
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_TTL": None, "TOKEN_PREFIX": "dp_", "AUTH_HEADER_PREFIX": "Token"}
SPECTACULAR_SETTINGS = {
    "TITLE": "Data infrastructure portal API",
    "DESCRIPTION": (
        "Catalog, self-service, on-call and planning for data-infrastructure teams. "
        "Authenticate with `Authorization: Token <token>` (create one on the My API tokens page "
        "or with `manage.py create_api_token`) or with a browser session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served locally: the portal must work in a closed network
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

#
# Celery
#

_broker_dir = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded default: a broker transport that needs no server, shared by web and worker on one host.
    (_broker_dir / "queue").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # broadcast (inspect/ping) state; default is the cwd
        "store_processed": False,
    }
else:
    # Redis redelivers unacknowledged (acks_late) tasks after this; it must exceed the longest task.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}


def _default_result_backend() -> str:
    if REDIS_URL:
        return REDIS_URL
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return CELERY_BROKER_URL
    results = VAR_DIR / "celery-results"
    results.mkdir(parents=True, exist_ok=True)
    return f"file://{results}"


CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", _default_result_backend())
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes every database connection before and after every task unless this is set (a new
# PostgreSQL connection per task was a fifth of a task's cost); it is set out of the way, and portal/celery.py
# closes connections around tasks as Django does around requests: when obsolete (CONN_MAX_AGE) or unusable.
CELERY_DB_REUSE_MAX = 10_000
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

#
# Internationalisation, static files
#

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

#
# Security: strict unless DEBUG; each can be relaxed on its own (e.g. behind a TLS-terminating proxy).
#

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL", False) else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes speak plain HTTP
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

PORTAL_NAME = env_str("PORTAL_NAME", "Data Infrastructure Portal")
PORTAL_DEMO_PASSWORD = env_secret("PORTAL_DEMO_PASSWORD", "demo-pass-2026")

#
# Self-service
#

# Catalog list answers are cached this long, keyed by the catalog's generation (catalog/cache.py); 0 turns it off.
CATALOG_CACHE_SECONDS = env_int("CATALOG_CACHE_SECONDS", 300)
SELFSERVICE_MAX_RETRIES = env_int("SELFSERVICE_MAX_RETRIES", 5)  # transient failures, then the request fails
SELFSERVICE_RETRY_BACKOFF = env_int("SELFSERVICE_RETRY_BACKOFF", 2)  # seconds; doubles per attempt, with jitter
SELFSERVICE_RETRY_BACKOFF_MAX = env_int("SELFSERVICE_RETRY_BACKOFF_MAX", 300)
SELFSERVICE_SWEEP_AFTER = env_int("SELFSERVICE_SWEEP_AFTER", 60)  # a queued request this late is enqueued again
SELFSERVICE_SWEEP_INTERVAL = env_int("SELFSERVICE_SWEEP_INTERVAL", 30)
# Fault injection for the redelivery tests only: seconds to wait between a remote effect and recording it.
SELFSERVICE_APPLY_PAUSE = float(env_str("SELFSERVICE_APPLY_PAUSE", "0") or 0)

# Kafka: live when KAFKA_BOOTSTRAP_SERVERS is set; otherwise the local sandbox broker that `make run` starts.
KAFKA_BOOTSTRAP_SERVERS = env_str("KAFKA_BOOTSTRAP_SERVERS")
KAFKA_SANDBOX_BOOTSTRAP = env_str("KAFKA_SANDBOX_BOOTSTRAP", "127.0.0.1:19092")
KAFKA_SECURITY_PROTOCOL = env_str("KAFKA_SECURITY_PROTOCOL")
KAFKA_SASL_MECHANISM = env_str("KAFKA_SASL_MECHANISM")
KAFKA_SASL_USERNAME = env_str("KAFKA_SASL_USERNAME")
KAFKA_SASL_PASSWORD = env_secret("KAFKA_SASL_PASSWORD")
KAFKA_TIMEOUT_SECONDS = env_int("KAFKA_TIMEOUT_SECONDS", 10)
KAFKA_TOPIC_MAX_PARTITIONS = env_int("KAFKA_TOPIC_MAX_PARTITIONS", 64)
KAFKA_APPROVAL_PARTITIONS = env_int("KAFKA_APPROVAL_PARTITIONS", 12)  # more needs the team lead's approval
KAFKA_APPROVAL_RETENTION_MS = env_int("KAFKA_APPROVAL_RETENTION_MS", 7 * 24 * 3600 * 1000)

# GitLab merge requests from golden paths: live when GITLAB_URL is set, else a local bare git repository.
GITLAB_URL = env_str("GITLAB_URL")
GITLAB_TOKEN = env_secret("GITLAB_TOKEN")
GITLAB_PROJECT = env_str("GITLAB_PROJECT", "data/pipelines")
GITLAB_WEBHOOK_SECRET = env_secret("GITLAB_WEBHOOK_SECRET")  # empty: the webhook refuses every call
GITLAB_TIMEOUT_SECONDS = env_int("GITLAB_TIMEOUT_SECONDS", 10)
# Where people reach the portal: links back from merge requests and DataHub.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# DataHub: the catalog is published when DATAHUB_GMS_URL is set.
DATAHUB_GMS_URL = env_str("DATAHUB_GMS_URL")
DATAHUB_TOKEN = env_secret("DATAHUB_TOKEN")
DATAHUB_TIMEOUT_SECONDS = env_int("DATAHUB_TIMEOUT_SECONDS", 10)
DATAHUB_HTTP_RETRIES = env_int("DATAHUB_HTTP_RETRIES", 0)  # the emitter's own retries; Celery retries instead
DATAHUB_MAX_RETRIES = env_int("DATAHUB_MAX_RETRIES", 5)
DATAHUB_RETRY_BACKOFF = env_int("DATAHUB_RETRY_BACKOFF", 2)

# Superset embed tokens with row-level security: live when SUPERSET_URL is set, else a labelled sandbox.
SUPERSET_URL = env_str("SUPERSET_URL")
SUPERSET_USERNAME = env_str("SUPERSET_USERNAME", "admin")
SUPERSET_PASSWORD = env_secret("SUPERSET_PASSWORD")
SUPERSET_TIMEOUT_SECONDS = env_int("SUPERSET_TIMEOUT_SECONDS", 10)
SUPERSET_APPROVAL_LIFETIME_MINUTES = env_int("SUPERSET_APPROVAL_LIFETIME_MINUTES", 60)

# Model deployments on Kubernetes: live when KUBECONFIG is set, else the manifest is written, not applied.
KUBECONFIG = env_str("KUBECONFIG")
KUBE_CONTEXT = env_str("KUBE_CONTEXT")
MODEL_DEPLOY_NAMESPACE = env_str("MODEL_DEPLOY_NAMESPACE", "ml-{team}")
MODEL_DEPLOY_READY_TIMEOUT = env_int("MODEL_DEPLOY_READY_TIMEOUT", 90)  # under the task's 120 s soft limit
MODEL_DEPLOY_MAX_REPLICAS = env_int("MODEL_DEPLOY_MAX_REPLICAS", 10)
MODEL_DEPLOY_APPROVAL_REPLICAS = env_int("MODEL_DEPLOY_APPROVAL_REPLICAS", 4)
MODEL_DEPLOY_OLLAMA_IMAGE = env_str("MODEL_DEPLOY_OLLAMA_IMAGE", "ollama/ollama:latest")

CELERY_BEAT_SCHEDULE = {
    "portal-heartbeat": {"task": "portal.heartbeat", "schedule": 60.0},
    # Requests accepted while the broker was down (or whose message was lost) are enqueued again.
    "selfservice-sweep": {"task": "selfservice.sweep_stuck_requests", "schedule": float(SELFSERVICE_SWEEP_INTERVAL)},
    # Freshness goes stale without new data: statuses on lists and the dashboard are re-evaluated.
    "catalog-evaluate-slos": {"task": "catalog.evaluate_slos", "schedule": 300.0},
    "selfservice-follow-merge-requests": {"task": "selfservice.follow_merge_requests", "schedule": 300.0},
    # R13: bets not shipped by the end of the build weeks are marked not shipped.
    "planning-circuit-breaker": {"task": "planning.trip_circuit_breakers", "schedule": 3600.0},
}
