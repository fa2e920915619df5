"""Settings come from the environment (or a `.env` file); see README "Configuration"."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    SECURE_SSL_REDIRECT=(bool, True),
    SECURE_HSTS_SECONDS=(int, 60 * 60 * 24 * 365),
    PROVIDER_CONNECT_TIMEOUT=(float, 3.05),
    PROVIDER_READ_TIMEOUT=(float, 10.0),
    PROVIDER_BREAKER_FAILURES=(int, 5),
    PROVIDER_BREAKER_COOLDOWN=(float, 30.0),
    CATALOGUE_CACHE_SECONDS=(int, 60),
    CATALOGUE_STALE_SECONDS=(int, 24 * 60 * 60),
    LOG_LEVEL=(str, "INFO"),
    TASKS_BACKEND=(str, "django_tasks_db.DatabaseBackend"),
)
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env("DEBUG")
# A development key is only acceptable with DEBUG on; production must set SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="dev-insecure-key-change-me" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

# Keys that encrypt provider credentials at rest (Fernet, comma separated, newest first).
# Without one, a key is derived from SECRET_KEY so the demo runs; production sets its own.
CREDENTIALS_KEY = env.list("CREDENTIALS_KEY", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "storefront",
    "storefront.providers.local.apps.LocalShopConfig",
    "storefront.providers.fynd.apps.FyndShopConfig",
    "carts",
    "vouchers",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "storefront.middleware.RequestDeadlineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "storefront.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "storefront.middleware.ShopMiddleware",
    "storefront.middleware.NoStoreMiddleware",
    # last: turns a sign-in lockout (django-axes) into the 429 answer
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "storefront.urls"
WSGI_APPLICATION = "storefront.wsgi.application"

# Storefront pages are Jinja2 (storefront/templating.py: Django's own backend, one context and one
# CSRF token per response, htmx fragments as blocks of the page template). Django admin, form
# widgets and django.contrib stay on Django templates (the second engine, app directories only).
TEMPLATES = [
    {
        "NAME": "jinja2",
        "BACKEND": "storefront.templating.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "storefront.templating.environment",
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "storefront.context_processors.storefront",
                "carts.context_processors.assist",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "debug": DEBUG,
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections on every engine: each server thread keeps its connection between requests
# (opening one costs a round trip on PostgreSQL, and on SQLite the setup PRAGMAs below, 1-1.5 ms a
# request), and checks it is still usable before reusing it after an error.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two requests updating one cart
    # queue behind each other (up to `timeout` seconds) instead of failing with "database is
    # locked". Both apply to every transaction of a connection; init_command runs once when a
    # connection opens, so with CONN_MAX_AGE once per server thread, not once per request.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://storefront")}

# Sessions live in the database with a cache in front: any number of app processes share them,
# and a cache flush never signs anyone out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes' backend first: a locked-out client or account is refused before any password work
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "storefront.accounts.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-in"
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 60 * 60 * 24 * 30
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Outbound calls to providers: (connect, read) seconds, the defaults of a new provider account
# (each account may override them). All the calls of one storefront request share one deadline of
# the account's read timeout (storefront.deadline).
PROVIDER_TIMEOUT = (env("PROVIDER_CONNECT_TIMEOUT"), env("PROVIDER_READ_TIMEOUT"))
# Circuit breaker per provider account (storefront.breaker): after this many consecutive failures
# (timeouts, connection errors, 5xx) calls fail fast for the cool-down, then one probe goes through.
# 0 switches breakers off. The state is in the cache: use Redis with several processes.
PROVIDER_BREAKER_FAILURES = env("PROVIDER_BREAKER_FAILURES")
PROVIDER_BREAKER_COOLDOWN = env("PROVIDER_BREAKER_COOLDOWN")
CATALOGUE_CACHE_SECONDS = env("CATALOGUE_CACHE_SECONDS")
# degraded mode (storefront.degraded): how long the last copy of a catalogue answer or cart is kept
# to serve read-only while the shop's provider is down
CATALOGUE_STALE_SECONDS = env("CATALOGUE_STALE_SECONDS")

# Background jobs (django-tasks): voucher orders nobody is watching are followed to a final status
# (vouchers/tasks.py). The database backend's queue is run by `manage.py db_worker` (`make run`
# starts one); TASKS_BACKEND names another backend class, e.g. a Redis-backed queue in production.
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND")}}

# The store itself (local provider): its GST registration state and delivery charge.
STORE_STATE = env("STORE_STATE", default="Karnataka")

# Email: a new customer's set-password link and the one-time code a customer reads out to staff
# (assisted selling). EMAIL_URL as django-environ reads it, e.g. smtp+tls://user:pass@host:587;
# the default prints mail to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Kirana & Co. <no-reply@kirana.example>")

# Share links (carts.ShareLink): how long a new link works.
SHARE_LINK_DAYS = env.int("SHARE_LINK_DAYS", default=7)

# Content-Security-Policy (django-csp): the shop's own scripts, styles and fonts only; no inline
# script or style anywhere (htmx is told not to inject its indicator style and not to eval; the
# JSON-LD data block is not script). Images may come from providers' CDNs over HTTPS. Violations
# are reported to /csp-report/ (storefront.csp_report), which logs them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "report-uri": "/csp-report/",
    },
}
# Permissions-Policy (storefront.middleware.PermissionsPolicyMiddleware): features no page uses
PERMISSIONS_POLICY = [
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
    "microphone", "midi", "payment", "usb", "browsing-topics",
]  # fmt: skip

# ---------------------------------------------------------------------------- abuse limits
# README "Abuse limits". The client is the address in REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT
# proxies that each append to X-Forwarded-For, the entry that many from the right.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Sign-in (django-axes, storefront.sign_in_limits): failures within the cool-off, per
# (lockout parameters, limit), the smallest limit first. One client on one account stops soonest;
# one account from anywhere only after far more, so a stranger cannot lock its owner out alone.
SIGN_IN_LIMITS = [(["username", "ip_address"], 5), (["ip_address"], 20), (["username"], 50)]
AXES_FAILURE_LIMIT = SIGN_IN_LIMITS[0][1]
AXES_LOCKOUT_PARAMETERS = "storefront.sign_in_limits.axes_lockout_parameters"
AXES_HANDLER = "storefront.sign_in_limits.TieredAxesHandler"
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = False  # signing in to one's own account must not clear a client's failures
# A try during a lockout is refused but not recorded, so the lockout ends when it said it would
# (Retry-After is the time left: storefront.sign_in_limits.sign_in_retry_after), instead of
# starting over with each try; a guesser still gets no more tries per cool-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "storefront.sign_in_limits.axes_username"
AXES_CLIENT_IP_CALLABLE = "storefront.sign_in_limits.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "storefront.sign_in_limits.axes_lockout"
AXES_SENSITIVE_PARAMETERS = ["username", "email", "ip_address", "password", "csrfmiddlewaretoken"]
AXES_VERBOSE = False
# Everything else (storefront.throttle, django-ratelimit's counters in the default cache: Redis in
# production): per action, "tries/period" per dimension, checked in this order.
RATE_LIMITS = {
    "sign-up": {"client": "10/h"},
    "coupon": {"client": "20/10m", "account": "20/10m"},
    "gift-card": {"client": "5/15m", "account": "5/15m", "card": "50/h"},
    "otp": {"client": "10/h", "account": "5/h", "phone": "5/h"},
    "otp-verify": {"client": "10/15m", "browser": "10/15m"},  # codes tried (storefront.otp)
    "share-link": {"client": "30/h", "account": "20/h"},
    "csp-report": {"client": "100/h"},
}
RATELIMIT_USE_CACHE = "default"

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT")
    SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "storefront.http.RedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
