"""Settings for one platform node, read from the environment (a `.env` file is optional).

Every variable is listed, with one line each, in `.env.example` and the README.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ

from platform_site.config import (
    ConfigurationError,
    env_bool,
    env_choice,
    env_database,
    env_float,
    env_int,
    env_list,
    env_master_key,
    env_secret,
    env_str,
    read_node_identity,
)
from platform_site.databases import mysql_init_command, node_database, with_timeouts
from platform_site.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# PLATFORM_ENV_FILE="" disables the file (the test harness does, so a developer's
# local .env never leaks into tests).
_env_file = os.environ.get("PLATFORM_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    environ.Env.read_env(_env_file, overwrite=False)
ENV = os.environ

DEBUG = env_bool(ENV, "DEBUG", False)
SECRET_KEY = env_secret(ENV, "SECRET_KEY", required=not DEBUG, fallback="insecure-debug-only-key")
PLATFORM_MASTER_KEY = env_master_key(ENV, "PLATFORM_MASTER_KEY", required=not DEBUG)
PLATFORM_NODE_IDENTITY = read_node_identity(ENV)
PLATFORM_NODE = PLATFORM_NODE_IDENTITY.name
PLATFORM_NODE_INDEX = PLATFORM_NODE_IDENTITY.index
PLATFORM_NODE_COUNT = PLATFORM_NODE_IDENTITY.count
# The platform's name as the company knows it: the admin reads "<name> administration".
PLATFORM_NAME = env_str(ENV, "PLATFORM_NAME", "Staff platform")
# The MariaDB server_id this node's database must report (system check).
PLATFORM_DB_SERVER_ID = env_int(ENV, "PLATFORM_DB_SERVER_ID", PLATFORM_NODE_INDEX, minimum=1)

# pair: two databases replicating both ways, each node with a peer (docs/ARCHITECTURE.md);
# galera: every node's database a member of one Galera cluster (docs/GALERA.md).
PLATFORM_DB_ENGINE = env_choice(ENV, "PLATFORM_DB_ENGINE", "pair", ("pair", "galera"))

ALLOWED_HOSTS = env_list(ENV, "ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list(ENV, "CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django's admin with the platform's own site (branding, grouped index, links).
    "platform_site.admin_site.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "health_check",
    "gateway.apps.GatewayConfig",
    "credential.apps.CredentialConfig",
    "replication.apps.ReplicationConfig",
    "demo.apps.DemoConfig",
    "ops.apps.OpsConfig",
    # The ten business services (services/<code>/), each reached at /api/v1/<code>/.
    "services.notice.apps.NoticeConfig",
    "services.directory.apps.DirectoryConfig",
    "services.approval.apps.ApprovalConfig",
    "services.schedule.apps.ScheduleConfig",
    "services.task.apps.TaskConfig",
    "services.document.apps.DocumentConfig",
    "services.message.apps.MessageConfig",
    "services.attendance.apps.AttendanceConfig",
    "services.asset.apps.AssetConfig",
    "services.reservation.apps.ReservationConfig",
]

MIDDLEWARE = [
    "gateway.web_server.BehindWebServerMiddleware",
    "gateway.requestlog.RequestLogMiddleware",
    "gateway.middleware.EnvelopeMiddleware",
    "gateway.middleware.RoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's own, standing aside for sealed requests (gateway/browser_middleware.py).
    "gateway.browser_middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "gateway.browser_middleware.AuthenticationMiddleware",
    "gateway.browser_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The admin's home-node writes: validated at the home, a lost race a form error.
    "replication.middleware.AdminHomeWritesMiddleware",
]

ROOT_URLCONF = "platform_site.urls"
WSGI_APPLICATION = "platform_site.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": node_database(
        env_database(ENV, "DATABASE_URL"),
        identity=PLATFORM_NODE_IDENTITY,
        sqlite_path=VAR_DIR / f"node-{PLATFORM_NODE.lower()}.sqlite3",
        conn_max_age=env_int(ENV, "DATABASE_CONN_MAX_AGE", 60, minimum=0),
        connect_timeout=env_int(ENV, "DATABASE_CONNECT_TIMEOUT", 3, minimum=1),
        engine=PLATFORM_DB_ENGINE,
    )
}
# The other node's database: replication checks and home-node writes use it. Writes
# through it take this node's ids of their own (platform_site/databases.py), never the
# ids of this node's writes on its own database.
PEER_DATABASE = env_database(ENV, "PEER_DATABASE_URL")
if PEER_DATABASE is not None and PLATFORM_DB_ENGINE == "galera":
    raise ConfigurationError(
        "PEER_DATABASE_URL is for the pair: on Galera every node writes to its own member"
    )
if PEER_DATABASE is not None:
    DATABASES["peer"] = node_database(
        PEER_DATABASE,
        identity=PLATFORM_NODE_IDENTITY,
        sqlite_path=VAR_DIR / "unused-peer.sqlite3",
        conn_max_age=env_int(ENV, "DATABASE_CONN_MAX_AGE", 60, minimum=0),
        connect_timeout=env_int(ENV, "PEER_DATABASE_CONNECT_TIMEOUT", 1, minimum=1),
        health_checks=True,
        through_peer=True,
    )
    DATABASES["peer"]["TEST"] = {"MIRROR": "default"}
    # The exactly-once fence's connection to the peer: a read that must answer quickly or
    # be treated as "cannot tell now" (replication/exactly_once.py).
    DATABASES["peer_fence"] = with_timeouts(DATABASES["peer"], seconds=1)
# The load balancer's health check's connection to this node's own database: a stalled
# database must fail the check well inside HAProxy's check timeout, not hang it.
if DATABASES["default"]["ENGINE"].endswith("mysql"):
    DATABASES["health"] = with_timeouts(DATABASES["default"], seconds=1)
    # It reads this member's own state: it must answer at once, even cut off (Galera).
    DATABASES["health"]["OPTIONS"]["init_command"] = mysql_init_command(
        PLATFORM_NODE_IDENTITY, engine=PLATFORM_DB_ENGINE, causal=False
    )
DATABASE_ROUTERS = ["replication.routers.HomeNodeRouter"]
# Home node of a service whose routing row does not say (new services, first start).
PLATFORM_HOME_NODE_DEFAULT = env_int(ENV, "PLATFORM_HOME_NODE_DEFAULT", 1, minimum=1)
# Bounded staleness: a node whose database is more than this far behind its live peer
# (the peer's replicated heartbeat, while a backlog from the peer is being applied)
# leaves the load balancer's rotation until it has caught up. A revocation made on one
# node holds on the other within this bound plus CREDENTIAL_SESSION_CACHE_SECONDS.
PLATFORM_MAX_LAG_MS = env_int(ENV, "PLATFORM_MAX_LAG_MS", 1000, minimum=100)
# How long each database keeps the records of the unsafe requests it applied (their
# answers to resends, and the evidence of a request applied on both databases).
PLATFORM_REQUEST_RECORD_HOURS = env_int(ENV, "PLATFORM_REQUEST_RECORD_HOURS", 24, minimum=1)
# /health/replication/ fails when the peer's replicated heartbeat is older than this.
PLATFORM_MAX_HEARTBEAT_AGE_MS = env_int(ENV, "PLATFORM_MAX_HEARTBEAT_AGE_MS", 5000, minimum=1)
# /health/replication/ and replication_status fail (`clock_skew`) when this node's clock is
# further than this from its database's or the peer database's (replication/clock.py).
PLATFORM_MAX_CLOCK_SKEW_MS = env_int(ENV, "PLATFORM_MAX_CLOCK_SKEW_MS", 500, minimum=1)
# The one node that runs schema migrations; replication carries them to the others.
PLATFORM_MIGRATION_NODE = env_int(ENV, "PLATFORM_MIGRATION_NODE", 1, minimum=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# State the node's workers share and nothing replicates (core/nodelocal.py): safe
# requests' nonces in the timestamp window, sessions revoked on this node.
PLATFORM_STATE_DIR = Path(
    env_str(ENV, "PLATFORM_STATE_DIR", str(VAR_DIR / f"state-{PLATFORM_NODE.lower()}"))
)

PASSWORD_HASHERS = [
    "credential.hashers.PlatformArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Set for production (collectstatic); a trial node serves the apps' files directly.
STATIC_ROOT = env_str(ENV, "STATIC_ROOT", None)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve the admin's files straight from the apps, so a fresh node needs no collectstatic.
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.drf.GatewayAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.drf.JSONParser"],
    "EXCEPTION_HANDLER": "core.drf.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "platform_site.openapi.AutoSchema",
}
# The OpenAPI schema of the decrypted payloads (platform_site/openapi.py derives the rest:
# error answers, security, servers). `manage.py spectacular` with no options writes it.
SPECTACULAR_SETTINGS = {
    "TITLE": "Staff platform API (decrypted view)",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_URLCONF": "platform_site.api_schema",
    "DEFAULT_GENERATOR_CLASS": "platform_site.openapi.SchemaGenerator",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "platform_site.openapi.describe_document",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # Updates are declared with their own serializers (`version` and any field to
    # change); PATCH carries no partial semantics beyond what they declare.
    "COMPONENT_SPLIT_PATCH": False,
    "SERVERS": [
        {"url": "https://{host}", "variables": {"host": {"default": "platform.example"}}},
        {"url": "http://127.0.0.1:8000", "description": "A trial node (`make run`)."},
    ],
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "services.task.models.Status",
        "ApprovalActionKindEnum": "services.approval.models.ActionKind",
        "ApprovalStepOutcomeEnum": "services.approval.models.StepOutcome",
        "PunchKindEnum": "services.attendance.models.PunchKind",
    },
    # Served from the node itself (drf-spectacular-sidecar): no request leaves for a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No "Try it out": a browser cannot seal a request in the envelope.
    "SWAGGER_UI_SETTINGS": {"supportedSubmitMethods": []},
}

# The secure channel (docs/PROTOCOL.md).
PLATFORM_CLOCK_SKEW_SECONDS = env_int(ENV, "PLATFORM_CLOCK_SKEW_SECONDS", 120, minimum=1)
PLATFORM_MAX_BODY_BYTES = env_int(ENV, "PLATFORM_MAX_BODY_BYTES", 10 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = PLATFORM_MAX_BODY_BYTES

# Gateway: how often each process re-checks the routing table; who may read /metrics.
GATEWAY_ROUTES_REFRESH_SECONDS = env_float(ENV, "GATEWAY_ROUTES_REFRESH_SECONDS", 0.25, minimum=0)
# Rate limits in each worker process (0 turns one off): requests per second and burst,
# per client address (before decryption) and per session (after). See gateway/ratelimit.py.
GATEWAY_ADDRESS_RATE_PER_SECOND = env_float(ENV, "GATEWAY_ADDRESS_RATE_PER_SECOND", 100, minimum=0)
GATEWAY_ADDRESS_BURST = env_int(ENV, "GATEWAY_ADDRESS_BURST", 300, minimum=1)
GATEWAY_SESSION_RATE_PER_SECOND = env_float(ENV, "GATEWAY_SESSION_RATE_PER_SECOND", 30, minimum=0)
# Logins per client address (per worker), checked before the RSA operation a login costs.
GATEWAY_LOGIN_RATE_PER_SECOND = env_float(ENV, "GATEWAY_LOGIN_RATE_PER_SECOND", 5, minimum=0)
GATEWAY_LOGIN_BURST = env_int(ENV, "GATEWAY_LOGIN_BURST", 20, minimum=1)
GATEWAY_SESSION_BURST = env_int(ENV, "GATEWAY_SESSION_BURST", 90, minimum=1)
METRICS_ALLOWED_NETWORKS = env_list(ENV, "METRICS_ALLOWED_NETWORKS", ["127.0.0.1/32", "::1/128"])

# Credential service.
CREDENTIAL_SESSION_IDLE_SECONDS = env_int(ENV, "CREDENTIAL_SESSION_IDLE_SECONDS", 1800, minimum=60)
CREDENTIAL_SESSION_LIFETIME_SECONDS = env_int(
    ENV, "CREDENTIAL_SESSION_LIFETIME_SECONDS", 12 * 3600, minimum=60
)
CREDENTIAL_SESSION_TOUCH_SECONDS = env_int(ENV, "CREDENTIAL_SESSION_TOUCH_SECONDS", 60, minimum=1)
CREDENTIAL_SESSION_CACHE_SECONDS = env_float(
    ENV, "CREDENTIAL_SESSION_CACHE_SECONDS", 1.0, minimum=0
)
CREDENTIAL_LOCKOUT_ENABLED = env_bool(ENV, "CREDENTIAL_LOCKOUT_ENABLED", True)
CREDENTIAL_LOCKOUT_USER_FAILURES = env_int(ENV, "CREDENTIAL_LOCKOUT_USER_FAILURES", 5, minimum=1)
CREDENTIAL_LOCKOUT_ADDRESS_FAILURES = env_int(
    ENV, "CREDENTIAL_LOCKOUT_ADDRESS_FAILURES", 50, minimum=1
)
CREDENTIAL_LOCKOUT_WINDOW_SECONDS = env_int(
    ENV, "CREDENTIAL_LOCKOUT_WINDOW_SECONDS", 900, minimum=1
)
CREDENTIAL_LOCKOUT_SECONDS = env_int(ENV, "CREDENTIAL_LOCKOUT_SECONDS", 900, minimum=1)
CREDENTIAL_KEY_OVERLAP_SECONDS = env_int(
    ENV, "CREDENTIAL_KEY_OVERLAP_SECONDS", 7 * 86400, minimum=0
)
CREDENTIAL_KEYRING_REFRESH_SECONDS = env_int(
    ENV, "CREDENTIAL_KEYRING_REFRESH_SECONDS", 1, minimum=0
)
CREDENTIAL_GRANTS_TTL_SECONDS = env_float(ENV, "CREDENTIAL_GRANTS_TTL_SECONDS", 1.0, minimum=0)

# Admin and dashboard cookies: never readable by scripts, secure unless DEBUG.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool(ENV, "SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool(ENV, "CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS (docs/DEPLOY.md, TLS): on unless DEBUG. A node whose TLS ends in front of it sees
# plain HTTP and sets SECURE_SSL_REDIRECT=false; the trial node, local cluster and tests
# turn both off. Load-balancer checks and monitoring may use plain HTTP inside.
SECURE_SSL_REDIRECT = env_bool(ENV, "SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int(ENV, "SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(ENV, "SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Behind the node's own nginx (gunicorn on a Unix socket): the client's address comes
# from the X-Real-IP header nginx sets (gateway/web_server.py), and the scheme from
# X-Forwarded-Proto. Off, nothing a client sends in those headers is believed.
PLATFORM_BEHIND_WEB_SERVER = env_bool(ENV, "PLATFORM_BEHIND_WEB_SERVER", False)
if PLATFORM_BEHIND_WEB_SERVER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS preloading is a decision for the company's domain, not for one node.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOG_LEVEL = env_str(ENV, "LOG_LEVEL", "INFO").upper()
# One JSON object per line on stdout, the same format as gunicorn's (platform_site/logs.py).
LOGGING = logging_config(level=LOG_LEVEL, node=PLATFORM_NODE)
