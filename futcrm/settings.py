"""futcrm settings: everything that differs between machines comes from the environment (STYLE.md 8).

FUTCRM_ENV=production demands every secret and server from the environment; otherwise (development, tests) a
missing DATABASE_URL / REDIS_URL starts the embedded PostgreSQL and Redis under FUTCRM_DATA_DIR.
"""

import ipaddress
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core import embedded
from core.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

FUTCRM_ENV = env_str("FUTCRM_ENV", "development")
if FUTCRM_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"FUTCRM_ENV={FUTCRM_ENV!r}; use development, test or production.")
PRODUCTION = FUTCRM_ENV == "production"

DATA_DIR = Path(env_str("FUTCRM_DATA_DIR", str(BASE_DIR / ".data"))).resolve()


def _dev_secret(name: str, generate) -> str:
    """Development-only secret kept in the data folder, so restarts can still decrypt the demo data."""
    path = DATA_DIR / "dev-secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generate())
        path.chmod(0o600)
    return path.read_text().strip()


def _generate_fernet_key() -> str:

    return Fernet.generate_key().decode()


if PRODUCTION:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", required=True)
    # S9: key of the encryption at rest of ID and phone numbers (a Fernet key), kept apart from SECRET_KEY.
    PII_ENCRYPTION_KEY = env_str("FUTCRM_PII_KEY", required=True)
    DEBUG = False
else:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY") or _dev_secret("django-secret-key", lambda: secrets.token_urlsafe(50))
    PII_ENCRYPTION_KEY = env_str("FUTCRM_PII_KEY") or _dev_secret("pii-key", _generate_fernet_key)
    DEBUG = env_bool("DJANGO_DEBUG", True)


def _refuse_a_malformed_pii_key(key: str) -> None:
    """S9: a key Fernet cannot use would let the app start and then answer 500 on every page that masks a phone."""
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise ImproperlyConfigured("FUTCRM_PII_KEY is not a Fernet key (32 url-safe base64-encoded bytes); make one "
                                   "with: python -c \"from cryptography.fernet import Fernet; "
                                   "print(Fernet.generate_key().decode())\"") from None


_refuse_a_malformed_pii_key(PII_ENCRYPTION_KEY)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_celery_beat",
    "pgtrigger",
    "django_otp",  # issue 35: staff sign in with a password and a code (core/second_factor.py)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # triggers declared on their models, frozen into migrations (STYLE.md 16)
    "core",
    "clients",
    "settlement",
    "tiering",
    "risk",
    "service_log",
    "service_desk",
    "research",
    "acquisition",
    "visits",
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",  # the Content-Security-Policy, and no-store on every answer
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "core.middleware.RefuseNulCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.middleware.SecondFactorMiddleware",
    "core.middleware.ReaderMiddleware",  # core.admin_links: a related record's link only for who may follow it
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns locked-out logins into a lockout response.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:  # gunicorn serves the collected static files; in development runserver does
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "futcrm.urls"
WSGI_APPLICATION = "futcrm.wsgi.application"

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
                "backoffice.context_processors.staff_page",  # the header on the 403 and 404 pages
                "backoffice.context_processors.calendar",  # C2/C4: the calendar warnings on every staff page
            ],
        },
    },
]

# Databases and Redis ------------------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL", required=PRODUCTION) or embedded.postgres_url(DATA_DIR)
DATABASES = {"default": database_from_url(_database_url)}
# Persistent connections suit gunicorn's few long-lived workers. Development's runserver starts a thread per request,
# and each thread would keep its own connection for a minute: about 5,800 requests held all of PostgreSQL's 100
# and every page then answered 500 (issue 13). There each request closes its connection.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 60 if PRODUCTION else 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", required=PRODUCTION) or embedded.redis_url(DATA_DIR)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Authentication ------------------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # brute-force protection of the admin login
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Issue 35: staff give a code from an authenticator app after the password (core/second_factor.py). Required in
# production; off by default in development and tests (FUTCRM_SECOND_FACTOR=true turns it on anywhere).
SECOND_FACTOR_REQUIRED = env_bool("FUTCRM_SECOND_FACTOR", PRODUCTION)
OTP_TOTP_ISSUER = "futcrm"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# The reverse proxies in front of the web workers (addresses or networks, comma-separated). Only a request that
# arrives from one of them has its client taken from X-Forwarded-For (the public pages' rate limits, the login
# lockout); anyone else could write any X-Forwarded-For. None by default: docker-compose's gunicorn is reached
# directly, and its REMOTE_ADDR is the client.
try:
    TRUSTED_PROXIES = [ipaddress.ip_network(value, strict=False) for value in env_list("FUTCRM_TRUSTED_PROXIES", [])]
except ValueError as error:
    raise ImproperlyConfigured(f"FUTCRM_TRUSTED_PROXIES: {error}") from error
if TRUSTED_PROXIES:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_TRUSTED_IPS = [str(network.network_address) for network in TRUSTED_PROXIES]

# Internationalisation: Simplified Chinese by default, English available ------------------------------------------
LANGUAGE_CODE = "zh-hans"
FORMAT_MODULE_PATH = ["futcrm.formats"]  # one format for dates and times in both languages (issue 36)
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# REST API -----------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Bearer first: its authenticate_header makes unauthenticated API calls 401 (settlement-api.md).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "settlement.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["settlement.api.authentication.CrmRead"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "EXCEPTION_HANDLER": "core.api.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["settlement.api.authentication.PerTokenRateThrottle"],
    # A day's pushes are tens of requests; a reader polling every second stays well inside the default.
    "DEFAULT_THROTTLE_RATES": {"api": env_str("FUTCRM_API_RATE", "600/minute")},
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "futcrm API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several "status" fields with different choices: each set named, so the schema's enums read well.
    "ENUM_NAME_OVERRIDES": {"AlertStatusEnum": "risk.models.Alert.Status",
                            "OpenOrClosedEnum": [("open", "open"), ("closed", "closed")]},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.api.document_error_responses"],
}

# Security (manage.py check --deploy is clean with FUTCRM_ENV=production) ----------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # S9: every line the project logs, runserver's access log and Django's request warnings included, has phone
    # and ID numbers masked (core/logging.py; gunicorn's access log through futcrm/gunicorn.py).
    "filters": {"mask_personal_numbers": {"()": "core.logging.MaskPersonalNumbersFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_personal_numbers"]}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        # Django gives these handlers of their own; here they write through the masking handler instead.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# futcrm ---------------------------------------------------------------------------------------------------------
SERVICE_HOTLINE = env_str("FUTCRM_SERVICE_HOTLINE", "400-000-0000")
# A5: return visits are owed for causes from this date on (docs/rules-added.md A5 "since when").
FUTCRM_VISITS_FROM = env_str("FUTCRM_VISITS_FROM", "2026-12-08")
# The address clients reach from an SMS link (S15 survey links): required in production, where it must be https.
FUTCRM_PUBLIC_URL = env_str("FUTCRM_PUBLIC_URL", None if PRODUCTION else "http://localhost:8000", required=PRODUCTION)
if PRODUCTION and not FUTCRM_PUBLIC_URL.startswith("https://"):
    raise ImproperlyConfigured("FUTCRM_PUBLIC_URL must be an https:// address: clients open its links from an SMS.")
# Margin-call notices (R7) must reach clients and advisors, never only a log: production names a real SMS gateway
# and a real mail server, and refuses the development backends.
DEVELOPMENT_SMS_BACKENDS = {"core.sms.ConsoleBackend", "core.sms.LocmemBackend"}
DEVELOPMENT_EMAIL_BACKENDS = {f"django.core.mail.backends.{name}.EmailBackend"
                              for name in ("console", "locmem", "filebased", "dummy")}
SMS_BACKEND = env_str("FUTCRM_SMS_BACKEND", None if PRODUCTION else "core.sms.ConsoleBackend", required=PRODUCTION)
SMS_GATEWAY_URL = env_str("FUTCRM_SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = env_str("FUTCRM_SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_ATTEMPTS = env_int("FUTCRM_SMS_GATEWAY_ATTEMPTS", 3)
EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", required=PRODUCTION,
                        default=None if PRODUCTION else "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "futcrm@localhost")
if PRODUCTION:
    if SMS_BACKEND in DEVELOPMENT_SMS_BACKENDS:
        raise ImproperlyConfigured(f"FUTCRM_SMS_BACKEND={SMS_BACKEND} only logs or keeps messages; production "
                                   "sends margin-call notices (R7) through core.sms.HttpBackend.")
    if SMS_BACKEND == "core.sms.HttpBackend" and not (SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN):
        raise ImproperlyConfigured("core.sms.HttpBackend needs FUTCRM_SMS_GATEWAY_URL and FUTCRM_SMS_GATEWAY_TOKEN.")
    if EMAIL_BACKEND in DEVELOPMENT_EMAIL_BACKENDS:
        raise ImproperlyConfigured(f"DJANGO_EMAIL_BACKEND={EMAIL_BACKEND} does not send mail; production notifies "
                                   "advisors of margin calls (R7) by email: use the SMTP backend.")
# What runs each kind of owed work (core/owed.py): the day-close and client-arrived workflows.
OWED_WORK_RUNNERS = "backoffice.workflows.OWED_WORK_RUNNERS"
