"""Learnpaths settings: one module, configured from the environment (12-factor).

Development: `make run` sets DEBUG=1, which supplies a throwaway SECRET_KEY and local hosts.
Production: DEBUG unset or 0 requires SECRET_KEY and ALLOWED_HOSTS and turns on secure defaults.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment, "
            "or DEBUG=1 for local development."
        )
    # Development only: production refuses to start without SECRET_KEY (above).
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105  # nosec B105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. Set ALLOWED_HOSTS (comma-separated host names), "
            "or DEBUG=1 for local development."
        )
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before the admin, whose forms it extends with a field per language.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "taggit",
    "axes",
    "csp",
    "django_htmx",
    "learnpaths",
    "resources",
]

MIDDLEWARE = [
    # Outermost: whatever answers a HEAD request, its body is dropped here.
    "learnpaths.core.middleware.HeadWithoutBodyMiddleware",
    "learnpaths.core.middleware.IsolationHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: from the URL's prefix (/en/, /zh-hans/); for an unprefixed URL from the
    # language cookie, then Accept-Language, and redirected to the prefixed URL.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # `request.htmx`: whether htmx sent the request (its HX-* headers, parsed).
    "django_htmx.middleware.HtmxMiddleware",
    # Learners' pages and htmx answers are never stored (Back shows them as they are now).
    "learnpaths.core.middleware.LearnerNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Turns axes' lockout flag into the lockout page.
    "axes.middleware.AxesMiddleware",
    # An out-of-range integer in an admin filter: the "invalid filter" answer, not a 500.
    "learnpaths.core.middleware.AdminOverflowMiddleware",
    # Inner, so that its 400 page still gets every header above.
    "learnpaths.core.middleware.RejectNulBytesMiddleware",
    # A signed-in learner's dates in their own time zone (User.time_zone). After the NUL check:
    # reading `request.user` looks the session up, which a session key with NUL in it would
    # break on PostgreSQL (the check answers such a request as an anonymous visitor's).
    "learnpaths.core.middleware.LearnerTimeZoneMiddleware",
]

ROOT_URLCONF = "learnpaths.urls"
WSGI_APPLICATION = "learnpaths.wsgi.application"

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

# Database: SQLite under var/ by default; DATABASE_URL=postgres://… switches to PostgreSQL.
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'learnpaths.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers write progress concurrently: WAL lets readers go on, IMMEDIATE
    # transactions take the write lock up front, and the busy timeout makes writers wait
    # instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

AUTH_USER_MODEL = "learnpaths.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The UI and curated text (concepts, paths, stages, steps) in both; English is the fallback of
# a curated text not yet written in Chinese. Adding a language: README, "Languages".
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The switch's choice is remembered for a year, sent only over HTTPS when DEBUG is off, like
# the other cookies.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names in production; with DEBUG on, the manifest storage serves plain
    # names, so development needs no collectstatic — and collectstatic makes a manifest either way.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# CACHE_URL=redis://host:6379/0 shares the cache between app servers (scale-out); without it each
# process keeps its own local-memory cache, which is correct because cached pages are versioned
# by numbers kept in the database (learnpaths/core/cache.py). django-redis keeps one Redis
# client per process (Django's own backend builds one per operation, which costs about as much
# as the round trip it makes).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "learnpaths"),
            "TIMEOUT": 3600,
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, not {CACHE_URL!r}.")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database, never in one server's memory, so any app server can serve any
# signed-in learner. With a shared cache (Redis) they are also cached there (one query less per
# page); a per-process cache must not hold them, or signing out on one worker would not reach
# the others.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHE_URL
    else "django.contrib.sessions.backends.db"
)

TAGGIT_CASE_INSENSITIVE = True

# Request bodies: one page takes a file (a learner's import of their exported data): the one
# upload handler keeps it in memory, bounded by that view's limit, and refuses a file sent to
# any other page (400) before anything of it is stored (learnpaths.core.uploads). Forms are
# text: 1 MiB is many times the largest (a stage of a few hundred steps with their notes, a long
# concept body); the admin's largest form, a stage with its steps inline, sends about 8 fields a
# step, so 4000 fields let a stage hold 400 steps (Django's default of 1000 stopped at about
# 120).
DATA_UPLOAD_MAX_NUMBER_FILES = 1
FILE_UPLOAD_HANDLERS = ["learnpaths.core.uploads.BoundedMemoryUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 4000

LOGIN_URL = "login"
LOGOUT_REDIRECT_URL = "home"

# Logs go to stdout, one JSON object per line in production (for the log collector), plain text
# in development (for people). LOG_FORMAT=json|plain overrides the choice.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": os.environ.get("LOG_FORMAT") or ("plain" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # axes announces itself at INFO in every process, management commands included, where it
    # would end up in `export_catalogue`'s output on stdout.
    "loggers": {"axes": {"level": "WARNING"}},
}

if not DEBUG:
    # No SECURE_PROXY_SSL_HEADER: Django would believe X-Forwarded-Proto from any client.
    # gunicorn believes it only from the proxy's addresses (FORWARDED_ALLOW_IPS) and hands
    # Django the scheme as wsgi.url_scheme, which request.is_secure() reads.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: every form, htmx ones included, carries {% csrf_token %}.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Says what to do (reload the page), also to htmx, whose status buttons show it.
CSRF_FAILURE_VIEW = "learnpaths.core.http.csrf_failure"

# Content-Security-Policy (django-csp 4): nothing is allowed unless listed. Scripts and styles
# come only from our own static files (htmx too; its indicator styles are off in base.html), so
# no 'unsafe-inline' or 'unsafe-eval'. The admin works under the same policy (tested).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],  # htmx requests
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Brute-force protection (django-axes): five wrong passwords for one account from one address
# lock that pair out for 15 minutes; other accounts and addresses are unaffected. Staff unlock
# early by deleting the access attempt in the admin ("Access attempts").
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Retrying during the pause does not extend it, so "wait 15 minutes" on the page stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "learnpaths.auth.lockout_response"
# Only failures are recorded: no log of every successful sign-in is kept.
AXES_DISABLE_ACCESS_LOG = True
# The sign-in field takes a username or an e-mail: both count against the same account.
AXES_USERNAME_CALLABLE = "learnpaths.auth.axes_username"
# Behind N proxies, the client address is the N-th entry from the right of X-Forwarded-For (the
# one our own proxy appended); entries further left are whatever the client sent. With no proxy
# (TRUSTED_PROXIES=0, the default) REMOTE_ADDR is used and X-Forwarded-For is ignored.
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "learnpaths.auth.client_ip"

# axes' backend goes first: it refuses a locked-out pair before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "learnpaths.auth.UsernameOrEmailBackend",
]
LOGIN_REDIRECT_URL = "dashboard"  # a URL name: the dashboard in the visitor's language
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Learnpaths <noreply@localhost>")
