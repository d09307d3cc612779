"""dealtracker settings: one module, every value read from the environment.

Every variable is listed with a comment in `.env.example`. Production is the
default: DEBUG is off unless asked for and there is no secret key to fall back
on outside debug.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from dealtracker.db.prepared import prepared_statement_options

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """A secret from NAME, or from the file that NAME_FILE points at."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc}") from None
    return os.environ.get(name) or None


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off. For local use, "
            "`make run` writes a .env (DEBUG on, a generated key) that manage.py reads."
        )
    SECRET_KEY = "insecure-local-development-key-only-used-with-debug-on"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Absolute links (feeds, W3C annotation ids, ClaimReview) are built from this.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The newsroom named as the author of ClaimReview verdicts and assessments, the outlet
# in citations ("Cite this") and the provider of the embeds (oEmbed).
NEWSROOM_NAME = os.environ.get("NEWSROOM_NAME", "dealtracker desk").strip() or "dealtracker desk"

# Anonymous visitors may browse what is published only when this is on.
PUBLIC_READ = env_bool("PUBLIC_READ", False)

# Sites whose pages may frame the embeds (/embed/...): CSP frame-ancestors sources,
# comma-separated: "*" (any site: the embeds show published content only), origins
# such as https://news.example.org, or https://*.example.org. Every other page of
# the desk refuses to be framed (frame-ancestors 'none', X-Frame-Options DENY).
_FRAME_SOURCE = re.compile(r"\*|https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?/?")


def env_frame_sources(name: str, default: list[str]) -> list[str]:
    """CSP frame-ancestors sources: '*', 'self' (the desk's own pages) or origins."""
    sources = []
    for source in env_list(name, default):
        if source.strip("'") == "self":
            sources.append("'self'")
        elif _FRAME_SOURCE.fullmatch(source):
            sources.append(source.rstrip("/"))
        else:
            raise ImproperlyConfigured(
                f"{name} must list *, self or origins such as https://news.example.org "
                f"(comma-separated), not {source!r}"
            )
    if not sources:
        raise ImproperlyConfigured(f"{name} is empty: name the sites, or * for any site")
    return sources


EMBED_ALLOWED_SITES = env_frame_sources("EMBED_ALLOWED_SITES", ["*"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "simple_history",
    "axes",
    "csp",
    # The database layer's speed tricks: what each new connection takes (dealtracker/db).
    "dealtracker.db",
    "dealtracker.deals",
    "dealtracker.sources",
    "dealtracker.claims",
    "dealtracker.suggestions",
    "dealtracker.accounts",
    "dealtracker.interchange",
    "dealtracker.desk",
    "dealtracker.api",
    "dealtracker.ops",
    # The task queue's tables and its Django database connector (dealtracker/tasks).
    "procrastinate.contrib.django",
    "dealtracker.tasks",
]
# The demo data and the synthetic archive (devdata/, next to manage.py): in a checkout,
# not in the production package.
if importlib.util.find_spec("devdata") is not None:
    INSTALLED_APPS.append("devdata")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before any view reads a parameter: PostgreSQL cannot take NUL characters.
    "dealtracker.desk.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Answers that depend on the visitor (their drafts, their CSRF token) are private.
    "dealtracker.desk.middleware.PrivateWhenPersonalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside CSP: the error pages it renders carry the request's nonce.
    "dealtracker.desk.middleware.FriendlyErrorPagesMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "dealtracker.desk.middleware.DatabaseUnavailableMiddleware",
    # After the one above: a reading page whose replica fails is answered from the primary
    # before a 503 is considered. Without replicas it drops out.
    "dealtracker.db.middleware.ReplicaRoutingMiddleware",
    # Last, so that lockouts are seen after authentication has run.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dealtracker.urls"
WSGI_APPLICATION = "dealtracker.wsgi.application"

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
                "dealtracker.desk.context_processors.desk",
            ],
            # `{% url %}` answered from patterns reversed once (desk/templatetags/fast_url.py).
            "builtins": ["dealtracker.desk.templatetags.fast_url"],
        },
    },
]
# Inputs, selects and textareas drawn in Python, as Django's widget templates draw them
# (dealtracker/desk/widget_html.py); every other form template as Django has it.
FORM_RENDERER = "dealtracker.desk.widget_html.WidgetRenderer"

# --- Database -------------------------------------------------------------
# PostgreSQL only. The launcher (`make run`, the pytest plugin) starts an
# embedded server and sets DATABASE_URL when it is unset; settings never start
# servers.
DATABASE_URL = os.environ.get("DATABASE_URL")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` or `python manage.py` (both start the "
        "embedded PostgreSQL), or point DATABASE_URL at a PostgreSQL server."
    )
_db = dj_database_url.parse(
    DATABASE_URL,
    conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    conn_health_checks=True,
)
if _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgresql://...)")
_db.setdefault("OPTIONS", {})
# A request that runs too long is cut off by the server instead of holding a worker.
# No JIT: it compiles a query the planner thinks costly (PostgreSQL's default threshold),
# which for the pages' bounded queries costs more than it saves: on the scale-10 archive,
# 41 ms of compiling in a 128 ms search count that runs in 60 ms without it.
# No parallel workers for a query: a page's query that scans enough rows to get them
# (the sources list's search count, up to 2,001 matches) ran slower with them even
# alone (scale 10: 28 → 23 ms), and under load they take the cores other requests
# are using. Index builds keep theirs (max_parallel_maintenance_workers).
_db["OPTIONS"]["options"] = (
    f"-c statement_timeout={env_int('DB_STATEMENT_TIMEOUT_MS', 15000)}"
    f" -c lock_timeout={env_int('DB_LOCK_TIMEOUT_MS', 5000)}"
    " -c jit=off"
    f" -c max_parallel_workers_per_gather={env_int('DB_PARALLEL_WORKERS', 0)}"
)
_db["OPTIONS"].setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
DATABASES = {"default": _db}

# Read replicas (streaming standbys of the primary), comma-separated URLs: the reading
# pages read from one of them, everything else uses the primary (dealtracker/db/routers.py).
# A visitor who changed something reads from the primary for the next
# REPLICA_READ_YOUR_WRITES_SECONDS, so an editor always sees their own change; a replica
# that does not answer within REPLICA_CONNECT_TIMEOUT seconds is left alone for
# REPLICA_RETRY_SECONDS while the pages read from the primary.
REPLICA_READ_YOUR_WRITES_SECONDS = env_int("REPLICA_READ_YOUR_WRITES_SECONDS", 10)
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 5)
if REPLICA_READ_YOUR_WRITES_SECONDS < 1 or REPLICA_RETRY_SECONDS < 1:
    raise ImproperlyConfigured(
        "REPLICA_READ_YOUR_WRITES_SECONDS and REPLICA_RETRY_SECONDS must be 1 second or more"
    )
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    _replica = dj_database_url.parse(
        _url, conn_max_age=_db["CONN_MAX_AGE"], conn_health_checks=True
    )
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS must point at PostgreSQL servers")
    _replica["OPTIONS"] = {
        **_replica.get("OPTIONS", {}),
        "options": _db["OPTIONS"]["options"],
        # libpq waits at least 2 seconds; a stopped server on a reachable host refuses at once.
        "connect_timeout": env_int("REPLICA_CONNECT_TIMEOUT", 2),
    }
    # Tests read the primary's test database through the replica's alias: a replica is
    # read-only, so Django cannot create a test database on it.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["dealtracker.db.routers.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Speed tricks (dealtracker/db/) that take their plain-ORM path instead: "all" or
# comma-separated names (dealtracker/db/plain.py says what each is); for the benchmark.
_DB_TRICKS = {
    "planner",
    "lexeme_statistics",
    "values_update",
    "shared_parent",
    "url_templates",
    "distinct",
    "any_of",
    "prepared",
    "unsaved",
    "loaded",
    "timestamps",
    "widgets",
    "compiled",
}
_db_plain = {name.lower() for name in env_list("DB_PLAIN", [])} - _FALSE
if _db_plain & {"all", *_TRUE}:
    _db_plain = _DB_TRICKS
elif _db_plain - _DB_TRICKS:
    raise ImproperlyConfigured(
        f"DB_PLAIN: unknown {', '.join(sorted(_db_plain - _DB_TRICKS))};"
        f" use all or some of {', '.join(sorted(_DB_TRICKS))}"
    )
DB_PLAIN = frozenset(_db_plain)
# Statements compiled once (dealtracker/db/statements.py) also compiled afresh at every
# run and compared: on in the test suite, which so checks every statement's key.
DB_STATEMENTS_CHECKED = env_bool("DB_STATEMENTS_CHECKED", False)
if "prepared" not in DB_PLAIN:
    # Queries prepared on their connection after DB_PREPARE_THRESHOLD runs, so PostgreSQL
    # reuses their plans (dealtracker/db/prepared.py). Behind a pooler in transaction
    # mode, which cannot keep prepared statements, set DB_PLAIN=prepared.
    _threshold = env_int("DB_PREPARE_THRESHOLD", 5)
    if _threshold < 0:
        raise ImproperlyConfigured("DB_PREPARE_THRESHOLD must be a number of runs: 0 or more")
    for _settings in DATABASES.values():
        _settings["OPTIONS"] = prepared_statement_options(
            _settings["OPTIONS"], threshold=_threshold
        )

# --- Auth -----------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Rendered fragments of the home, deal, clause, claims-list, search and embed pages, keyed by
# the content version (dealtracker/desk/fragments.py). Each worker process keeps its own in
# memory, or, when REDIS_URL is set, Redis keeps one copy every server shares (and a change
# made through one is seen by all: the key holds the version, not the server).
PAGE_CACHE = env_bool("PAGE_CACHE", True)
PAGE_CACHE_ALIAS = "pages"
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60 * 60)
REDIS_URL = os.environ.get("REDIS_URL", "").strip() or None
# Keys in Redis start with this, so several sites (or test runs) can share one Redis.
REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "").strip() or "dealtracker"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    PAGE_CACHE_ALIAS: {
        "BACKEND": "dealtracker.desk.fragments.PageMemoryCache",  # LocMemCache, compressed
        "LOCATION": "dealtracker-pages",
        # Bounded in bytes of kept (compressed) fragments per worker process; the entry
        # count only bounds the bookkeeping (a few hundred bytes an entry).
        "OPTIONS": {
            "MAX_BYTES": env_int("PAGE_CACHE_MB", 8) * 2**20,
            "MAX_ENTRIES": env_int("PAGE_CACHE_ENTRIES", 2000),
        },
    },
    # Keeps nothing: `{% cache ... using=page_cache.alias %}` names it for pages rendered
    # for one visitor alone (editors).
    "uncached": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
if REDIS_URL:
    CACHES[PAGE_CACHE_ALIAS] = {
        # RedisCache, compressed; a Redis that does not answer is a miss, not an error page.
        "BACKEND": "dealtracker.desk.fragments.PageRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"{REDIS_KEY_PREFIX}:pages",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
# --- The read API (/api/v1/, dealtracker/api) --------------------------------
# Requests per client per window: anonymous clients by address (public-read mode
# only), token holders and logged-in readers by account. 0 turns a limit off.
API_RATE_LIMIT_ANONYMOUS = env_int("API_RATE_LIMIT_ANONYMOUS", 120)
API_RATE_LIMIT_TOKEN = env_int("API_RATE_LIMIT_TOKEN", 1200)
API_RATE_LIMIT_WINDOW = env_int("API_RATE_LIMIT_WINDOW", 60)
if API_RATE_LIMIT_WINDOW < 1:
    raise ImproperlyConfigured("API_RATE_LIMIT_WINDOW must be 1 second or more")
# Where the limiter counts: shared by every app process either way. Redis when
# REDIS_URL is set (falling back to PostgreSQL while Redis does not answer), else
# an unlogged PostgreSQL table.
if REDIS_URL:
    CACHES["ratelimit"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"{REDIS_KEY_PREFIX}:ratelimit",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A lockout lasts AXES_COOLOFF_MINUTES from the failure that caused it: attempts during the
# lockout are refused without being counted, so they cannot keep an account locked.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# The client address the lockout counts failures by (dealtracker/accounts/client_ip.py).
# Behind TRUSTED_PROXY_COUNT reverse proxies, each adding the address it saw to
# CLIENT_IP_HEADER, the client is the address the outermost one saw; with 0 (no proxy)
# the header is ignored and the connection's own address counts.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "X-Forwarded-For").strip()
if TRUSTED_PROXY_COUNT and not CLIENT_IP_HEADER:
    raise ImproperlyConfigured("CLIENT_IP_HEADER must name a header when TRUSTED_PROXY_COUNT > 0")
AXES_CLIENT_IP_CALLABLE = "dealtracker.accounts.client_ip.client_ip"

# --- HTTPS and browser-side protections -----------------------------------
# On by default (production); a plain-HTTP loopback run turns them off
# explicitly with SECURE_COOKIES=false / SECURE_SSL_REDIRECT=false.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("TRUST_X_FORWARDED_PROTO", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "dealtracker.desk.views.site.csrf_failure"

# django-csp 4 puts the nonce only where its NONCE sentinel stands (a literal
# "'nonce'" would be sent as is, and browsers would block htmx).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded originals (PDF, Word) of sources. Never served from MEDIA_URL: the
# desk's download view checks who may read them. Local files by default; any
# Django storage backend in production (DOCUMENT_STORAGE_BACKEND, with its
# options as JSON in DOCUMENT_STORAGE_OPTIONS, e.g. django-storages' S3Storage).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = "media/"


def _storage_options(name: str) -> dict:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a JSON object: {exc}") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object")
    return value


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": {
        "BACKEND": os.environ.get(
            "DOCUMENT_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": _storage_options("DOCUMENT_STORAGE_OPTIONS")
        or (
            {"location": str(MEDIA_ROOT / "documents")}
            if "DOCUMENT_STORAGE_BACKEND" not in os.environ
            else {}
        ),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("STATIC_PLAIN", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Sources ----------------------------------------------------------------
SOURCE_MAX_BYTES = env_int("SOURCE_MAX_BYTES", 2_000_000)
# A pasted text at the limit must reach the form (which answers 413 with a clear
# message) rather than be cut off by Django's request-size guard first.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * SOURCE_MAX_BYTES + 1_000_000
SOURCE_FETCH_TIMEOUT = env_int("SOURCE_FETCH_TIMEOUT", 10)
# PDF and Word uploads: the file's size and pages, and what reading one may cost
# (a child process with capped memory and CPU, killed after the timeout).
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20_000_000)
DOCUMENT_MAX_PAGES = env_int("DOCUMENT_MAX_PAGES", 500)
DOCUMENT_MAX_UNZIPPED_BYTES = env_int("DOCUMENT_MAX_UNZIPPED_BYTES", 100_000_000)
DOCUMENT_EXTRACT_MEMORY_MB = env_int("DOCUMENT_EXTRACT_MEMORY_MB", 1024)
DOCUMENT_EXTRACT_SECONDS = env_int("DOCUMENT_EXTRACT_SECONDS", 60)
# Uploads past this are streamed to a temporary file, not held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Off in production: the URL fetch refuses private, loopback and link-local hosts.
SOURCE_FETCH_ALLOW_PRIVATE = env_bool("SOURCE_FETCH_ALLOW_PRIVATE", False)

# --- Task queue (dealtracker/tasks): long work runs in `manage.py runworker` ------------
# The queue lives in PostgreSQL (procrastinate): its jobs are written in the same
# transaction as the editor's request, through Django's own connection.
PROCRASTINATE_IMPORT_PATHS = ["dealtracker.tasks.queue"]
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = ""
# The modules that register the kinds of work, beside the services they call.
TASKS_WORK_MODULES = ["dealtracker.desk.work", "dealtracker.ops.work"]
# A worker writes a heartbeat this often; one silent for TASKS_STALLED_SECONDS is taken
# for dead, and its running job is started again by the next worker to look.
TASKS_HEARTBEAT_SECONDS = env_int("TASKS_HEARTBEAT_SECONDS", 10)
TASKS_STALLED_SECONDS = env_int("TASKS_STALLED_SECONDS", 30)
# Revising a source with at least this many passages runs in the queue (re-anchoring
# each passage can outgrow a request); fewer are re-anchored inline.
TASKS_QUEUE_PASSAGES = env_int("TASKS_QUEUE_PASSAGES", 1000)
# Reading an uploaded PDF or Word file of more than this many bytes runs in the queue
# (its extraction may take up to DOCUMENT_EXTRACT_SECONDS); smaller files are read inline.
TASKS_QUEUE_DOCUMENT_BYTES = env_int("TASKS_QUEUE_DOCUMENT_BYTES", 1_000_000)
# On: "Fetch" runs in the queue (for a newsroom whose SOURCE_FETCH_TIMEOUT is longer than
# a request may last). Off: the fetch runs inline, bounded by SOURCE_FETCH_TIMEOUT.
TASKS_QUEUE_FETCH = env_bool("TASKS_QUEUE_FETCH", False)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING").strip().upper() or "WARNING"
# One handler, the root's, so that every message is printed once. (Django's default
# configuration gives its "django" logger a console handler of its own under DEBUG; with
# the root's, each of its messages was printed twice.) runserver's request lines keep
# their own handler ("django.server", which does not propagate).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django": {"handlers": [], "level": LOG_LEVEL, "propagate": True}},
}
