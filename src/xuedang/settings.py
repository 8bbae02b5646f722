"""Settings for xuedang, read from environment variables with defaults that work.

Every variable is documented in `.env.example`. Secrets may also come from a file named by
the variable with a `_FILE` suffix (e.g. `SECRET_KEY_FILE=/run/secrets/key`).
"""

import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("XUEDANG_DATA_DIR", Path.cwd() / "var"))


def env(name: str, default: str = "") -> str:
    """Read `name`, or the content of the file `name_FILE` points to."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def env_bool(name: str, default: bool) -> bool:
    """A yes/no variable. Anything but true/false, yes/no, on/off, 1/0 (any case) stops the start:
    a typo such as `SESSION_COOKIE_SECURE=ture` must not quietly mean false. Unset or empty: `default`."""
    value = env(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"环境变量 {name} 的值“{value}”不是布尔值（true/false、yes/no、on/off、1/0） / "
        f"{name}={value!r} is not a boolean: use true/false, yes/no, on/off or 1/0"
    )


DEBUG = env_bool("DEBUG", False)
# The key `make run` works with. With DEBUG off it is refused (core/checks.py): the personal-data
# keys would otherwise be derived from a value printed in this file.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-" + "x" * 20
SECRET_KEY = env("SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
# The reverse proxies / load balancers in front of the service (IPs or networks, comma-separated).
# Requests through them take the client's address from X-Forwarded-For and the scheme from
# X-Forwarded-Proto; from any other peer those headers are dropped (core/middleware.py).
TRUSTED_PROXIES = [p.strip() for p in env("TRUSTED_PROXIES", "").split(",") if p.strip()]
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- HTTPS and the browser's protections (docs/deploy.md) ----------------------------------------
# With SITE_URL on https and DEBUG off: plain-HTTP requests are redirected (behind the trusted
# proxies, a request is secure when the proxy says X-Forwarded-Proto: https), and browsers are told
# to come back over HTTPS only (HSTS, a year). The probes of load balancers and Prometheus reach
# /healthz, /readyz and /metrics over plain HTTP on the private network, so they are not redirected.
SERVES_HTTPS = SITE_URL.startswith("https://")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SERVES_HTTPS and not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000" if SERVES_HTTPS and not DEBUG else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Links out of the registry never carry a page's path (a verification code is in /verify/<code>).
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts, styles, images and forms from this origin only, no inline code, no framing
# (core.middleware.ContentSecurityPolicyMiddleware; core.checks warns on 'unsafe-inline').
# The templates hold no inline <script>, <style> or style="" (core/tests/test_security_headers.py).
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
)

INSTALLED_APPS = [
    "xuedang.institutions.admin_apps.XuedangAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "xuedang.core",  # before staticfiles: its runserver (refusing unsafe settings first) replaces theirs
    "django.contrib.staticfiles",
    "xuedang.accounts",
    "xuedang.institutions",
    "xuedang.registry",
    "xuedang.imports",
    "xuedang.archive",
    "xuedang.reports",
    "xuedang.supervision",  # provincial supervision dashboards (issue 14), above the apps it counts
    "xuedang.certification",  # 自考办 pages, 补录, 学历认证; above reports (decision 0029)
    "xuedang.demo",  # demo data (`make run`); above every app (decision 0011)
    "axes",
    "captcha",
    "ninja",  # its templates and static Swagger UI: the API docs work offline (decision 0028)
]

MIDDLEWARE = [
    "xuedang.core.middleware.ClientAddressMiddleware",  # first: REMOTE_ADDR is the client's behind proxies
    "xuedang.core.metrics.RequestMetricsMiddleware",  # times everything below it (METRICS_ENABLED)
    "xuedang.core.middleware.RequestBodyLimitMiddleware",  # before anything reads (or spools) a body
    "xuedang.core.replicas.ReplicaMiddleware",  # with DATABASE_REPLICA_URL only: where this request reads
    "django.middleware.security.SecurityMiddleware",
    # Static files, served with far-future caching and compression by the application itself, so a
    # node needs nothing beside gunicorn (nginx may serve STATIC_ROOT directly; docs/deploy.md).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "xuedang.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "xuedang.accounts.middleware.StaffTwoFactorMiddleware",  # staff pages and API: two-step sign-in first
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xuedang.urls"
WSGI_APPLICATION = "xuedang.wsgi.application"

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
                "django.template.context_processors.i18n",
                "xuedang.navigation.navigation",  # the menu of the signed-in person's role
            ],
        },
    },
    {  # the public verification page only, the registry's hot path (docs/decisions/0007)
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,  # <app>/jinja2/
        "OPTIONS": {"autoescape": True, "auto_reload": DEBUG},
    },
]

# --- Database: SQLite file by default, PostgreSQL via DATABASE_URL -------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'xuedang.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # Django's cursors bind on the client and never prepare; this lets the few statements that ask
    # for it (the public verification lookup) be prepared once per connection. Behind a pooler in
    # transaction mode without prepared-statement support, set DATABASE_PREPARED_STATEMENTS=false.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000
if not DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A server that does not answer (a network cut, a failover in progress) fails the request within
    # this many seconds with the 503 page (decision 0013), instead of holding a worker.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(env("DATABASE_CONNECT_TIMEOUT", "3"))
# Requests that notice a dropped connection (a PostgreSQL restart) reconnect instead of failing.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming standby for the reads of REPLICA_VIEWS (core/replicas.py, decision 0012). Reads fall
# back to the primary when it is unreachable or more than REPLICA_MAX_LAG_S behind; a person who
# has just written reads from the primary for REPLICA_STICKY_S seconds.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", "")
REPLICA_MAX_LAG_S = float(env("REPLICA_MAX_LAG_S", "5"))
REPLICA_STICKY_S = int(env("REPLICA_STICKY_S", "15"))
REPLICA_CHECK_S = float(env("REPLICA_CHECK_S", "1"))
REPLICA_VIEWS = [
    "verify:verify",
    "verify:verify_code",
    "verify:verify_photo",
    "verify:lookup",
    "registry:*",
    "archive:*",
    "archive_school:*",
]
# POSTs that only look up and log the look-up: they read from the standby too, their log rows go
# to the primary without moving their reads there, and they set no read-your-writes cookie.
REPLICA_LOOKUP_POSTS = ["verify:lookup", "api:verify_reports"]
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), "connect_timeout": 2},
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["xuedang.core.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, rate limits and jobs: Redis when REDIS_URL is set, local memory otherwise -----
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Fair import queueing (imports.services.import_queue): each institution's jobs go to one of
# IMPORT_QUEUE_SLOTS queues, chosen by its code; every worker consumes all of them in turn, so one
# institution's many files cannot starve the others. Other tasks use the default queue.
IMPORT_QUEUE_SLOTS = int(env("IMPORT_QUEUE_SLOTS", "32"))
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue("celery"), *(Queue(f"imports.{slot}") for slot in range(IMPORT_QUEUE_SLOTS))]
CELERY_BEAT_SCHEDULE = {
    "reap-import-jobs": {"task": "xuedang.imports.tasks.reap_import_jobs", "schedule": 300.0},
}

# --- Accounts ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"  # a URL name (reverse())
LOGIN_REDIRECT_URL = "start"  # a URL name: xuedang.navigation.start sends each person to their landing
LOGOUT_REDIRECT_URL = "/"
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(2 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG and SITE_URL.startswith("https"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# 中文 / English, chosen in the header (django.views.i18n.set_language): a cookie of its own, so
# the choice outlives sign-out; kept a year (Django's default ends with the browser session).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Student accounts: sign-in, lockout, codes, messages (accounts app) ----------------------
# Axes watches every sign-in (it needs the request); the accounts backend accepts a username,
# phone, activated email or ID number. Sign-in limits (decision 0018), counted in the cache
# (Redis in production), every address being an IPv4 address or an IPv6 /64:
# - per account, whatever name was typed: a captcha after LOGIN_ACCOUNT_FAILURES_BEFORE_CAPTCHA
#   failures in a day, from any address; never a lock a stranger can set off;
# - per address: a captcha for everyone there after LOGIN_IP_HOURLY_FAILURES failures in the
#   hour (high enough for a campus or carrier NAT); a person who passes it can always try;
# - per (address, account) pair: axes locks after AXES_FAILURE_LIMIT failures; the cool-off
#   doubles with each lockout of the day (up to 24 h).
AUTHENTICATION_BACKENDS = [
    "xuedang.accounts.backends.AxesRequestBackend",
    "xuedang.accounts.backends.AccountBackend",
]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "10"))
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_CLIENT_IP_CALLABLE = "xuedang.core.addresses.request_address_group"
AXES_USERNAME_CALLABLE = "xuedang.accounts.backends.lockout_username"
AXES_COOLOFF_TIME = "xuedang.accounts.backends.lockout_cool_off"
AXES_LOCKOUT_CALLABLE = "xuedang.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
LOGIN_ACCOUNT_FAILURES_BEFORE_CAPTCHA = int(env("LOGIN_ACCOUNT_FAILURES_BEFORE_CAPTCHA", "3"))
SILENCED_SYSTEM_CHECKS: list[str] = []
if not REDIS_URL:
    # Without Redis, failures are counted in this process's memory: right for one development
    # server, which is the only setup without Redis (production sets REDIS_URL).
    SILENCED_SYSTEM_CHECKS.append("axes.W001")
SMS_BACKEND = env("SMS_BACKEND", "xuedang.accounts.sms.FileSmsBackend")
ALIYUN_SMS_ACCESS_KEY_ID = env("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = env("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_SIGN_NAME = env("ALIYUN_SMS_SIGN_NAME", "")
ALIYUN_SMS_CODE_TEMPLATE = env("ALIYUN_SMS_CODE_TEMPLATE", "")
ALIYUN_SMS_NOTICE_TEMPLATE = env("ALIYUN_SMS_NOTICE_TEMPLATE", "")
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = DATA_DIR / "outbox" / "mail"
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "学档 xuedang <noreply@localhost>")
# The service desk's address, printed in every page's footer (navigation.navigation); unset, the
# footer sends people to their school's registry office, the first contact for a record anyway.
SERVICE_CONTACT_EMAIL = env("SERVICE_CONTACT_EMAIL")
CODE_IP_DAILY_LIMIT = int(env("CODE_IP_DAILY_LIMIT", "30"))
LOGIN_IP_HOURLY_FAILURES = int(env("LOGIN_IP_HOURLY_FAILURES", "200"))
ACCOUNT_CANCEL_COOLING_DAYS = int(env("ACCOUNT_CANCEL_COOLING_DAYS", "15"))
CAPTCHA_FONT_SIZE = 28
# The captcha spoken for those who cannot read the picture (Debian's flite; `make debs`). Without
# it there is no audio link. Each spoken captcha runs flite once, so it is rate limited per address.
CAPTCHA_FLITE_PATH = env("CAPTCHA_FLITE_PATH", shutil.which("flite") or "") or None
CAPTCHA_AUDIO_RATE = env("CAPTCHA_AUDIO_RATE", "10/m")
CELERY_BEAT_SCHEDULE["complete-account-cancellations"] = {
    "task": "xuedang.accounts.tasks.complete_account_cancellations",
    "schedule": 3600.0,
}

# --- Personal data at rest -----------------------------------------------------------------
# PII_KEYS: comma-separated `key_id:base64(32 bytes)`; the first is used to encrypt, all decrypt
# (rotation: put the new key first, run `xuedang pii_rotate`, then drop the old one).
# PII_HMAC_KEY: base64 key for the lookup digests; it cannot rotate without re-indexing.
# Without them a development key is derived from SECRET_KEY, for DEBUG only: with DEBUG off, missing
# or malformed keys stop the start (core/checks.py).
PII_KEYS = env("PII_KEYS", "")
PII_HMAC_KEY = env("PII_HMAC_KEY", "")

# --- Report signing (PAdES): the registry's key and certificate, PEM files -------------------
# Unset: the development CA that `xuedang signing_devca` (run by `make run`) makes in DATA_DIR;
# a certificate of that CA is refused when DEBUG is off unless SIGNING_ALLOW_DEV_CA is true
# (docs/decisions/0005-report-signing.md).
SIGNING_KEY_FILE = env("SIGNING_KEY_FILE", "")
SIGNING_CERT_FILE = env("SIGNING_CERT_FILE", "")
SIGNING_CHAIN_FILE = env("SIGNING_CHAIN_FILE", "")
SIGNING_KEY_PASSPHRASE = env("SIGNING_KEY_PASSPHRASE", "")
SIGNING_ALLOW_DEV_CA = env_bool("SIGNING_ALLOW_DEV_CA", False)
# An RFC 3161 timestamp authority makes each signature PAdES B-T (it stays verifiable after the
# registry certificate expires). Empty URL: no timestamp (B-B). Basic auth when a username is set.
# When the TSA fails: sign B-B and log a warning, or, with SIGNING_TSA_REQUIRED, fail the download.
SIGNING_TSA_URL = env("SIGNING_TSA_URL", "")
SIGNING_TSA_USERNAME = env("SIGNING_TSA_USERNAME", "")
SIGNING_TSA_PASSWORD = env("SIGNING_TSA_PASSWORD", "")
SIGNING_TSA_TIMEOUT = float(env("SIGNING_TSA_TIMEOUT", "5"))  # seconds, for the whole request
SIGNING_TSA_REQUIRED = env_bool("SIGNING_TSA_REQUIRED", False)

# --- Internationalisation: Chinese first, English translations --------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Without `collectstatic` (development, the test servers) files are found in the apps' static/.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")  # before collectstatic
MEDIA_ROOT = DATA_DIR / "media"

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The largest request body, refused (413) from its Content-Length before anything reads or spools
# it (core.middleware.RequestBodyLimitMiddleware); nginx's client_max_body_size mirrors it. Only the
# routes of LARGE_BODY_PATHS (import files: 512 MB and the form around them; the photo ZIP) may come near it;
# every other route (photos, evidence, forms) is held to MAX_FORM_BODY_BYTES.
MAX_REQUEST_BODY_BYTES = int(env("MAX_REQUEST_BODY_BYTES", str(520 * 1024 * 1024)))
MAX_FORM_BODY_BYTES = int(env("MAX_FORM_BODY_BYTES", str(16 * 1024 * 1024)))
LARGE_BODY_PATHS = ("/school/imports/", "/api/v1/school/imports", "/school/photos/")
# Requests each school's or province's API key may make (django-ratelimit rate: N/s, N/m, N/h).
API_KEY_RATE = env("API_KEY_RATE", "120/m")
# Processes that validate one large import file between them (0: one per CPU core).
IMPORT_PROCESSES = int(env("IMPORT_PROCESSES", "0"))
# An import job past this is stopped, its worker process included, and the next file runs.
IMPORT_TIME_BUDGET_SECONDS = int(env("IMPORT_TIME_BUDGET_SECONDS", "3600"))
# Import error reports (ID numbers masked) and left-over uploads are deleted this long after the job.
IMPORT_FILES_RETENTION_DAYS = int(env("IMPORT_FILES_RETENTION_DAYS", "30"))
CELERY_BEAT_SCHEDULE["expire-import-files"] = {
    "task": "xuedang.imports.tasks.expire_import_files",
    "schedule": 24 * 3600.0,
}
# The supervision dashboards read figures recounted this often from the registry (decision 0015).
SUPERVISION_REFRESH_S = int(env("SUPERVISION_REFRESH_S", "600"))
CELERY_BEAT_SCHEDULE["refresh-supervision-figures"] = {
    "task": "xuedang.supervision.tasks.refresh_figures",
    "schedule": float(SUPERVISION_REFRESH_S),
}

# --- Logging: personal data is redacted from every record ------------------------------------
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_pii": {"()": "xuedang.core.logging.RedactPIIFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_pii"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# --- Verification reports (reports app) --------------------------------------------------------
# Rates are django-ratelimit strings ("N/s|m|h|d"), counted in the default cache (Redis in production).
REPORTS_VERIFY_RATE = env("REPORTS_VERIFY_RATE", "60/m")  # verification pages per IP
REPORTS_LOOKUP_RATE = env("REPORTS_LOOKUP_RATE", "20/h")  # 零散查询 per IP
# 学历认证 fee payment (certification/payments.py): "development" (takes no money) or "alipay"
CERTIFICATION_PAYMENTS = env("CERTIFICATION_PAYMENTS", "development")
ALIPAY_APP_ID = env("ALIPAY_APP_ID", "")
ALIPAY_PRIVATE_KEY_PATH = env("ALIPAY_PRIVATE_KEY_PATH", "")  # the app's RSA private key (PEM)
ALIPAY_PUBLIC_KEY_PATH = env("ALIPAY_PUBLIC_KEY_PATH", "")  # Alipay's public key (PEM)
ALIPAY_GATEWAY = env("ALIPAY_GATEWAY", "https://openapi.alipay.com/gateway.do")
ALIPAY_NOTIFY_URL = env("ALIPAY_NOTIFY_URL", "")
ALIPAY_RETURN_URL = env("ALIPAY_RETURN_URL", "")
WECHATPAY_APP_ID = env("WECHATPAY_APP_ID", "")
WECHATPAY_MCH_ID = env("WECHATPAY_MCH_ID", "")
WECHATPAY_API_KEY = env("WECHATPAY_API_KEY", "")  # the merchant's API v2 key (a secret)
WECHATPAY_NOTIFY_URL = env("WECHATPAY_NOTIFY_URL", "")  # https://<host>/certification/payments/wechat/notify
WECHATPAY_WAP_URL = env("WECHATPAY_WAP_URL", "")  # the site's address, sent as the H5 scene
WECHATPAY_GATEWAY = env("WECHATPAY_GATEWAY", "https://api.mch.weixin.qq.com/pay/unifiedorder")
REPORTS_MISSES_BEFORE_CAPTCHA = int(env("REPORTS_MISSES_BEFORE_CAPTCHA", "5"))  # unknown codes per IP per hour
REPORTS_API_RATE = env("REPORTS_API_RATE", "60/m")  # verification API calls per key
# Every per-address limit counts one IPv4 address or one IPv6 /64 (docs/decisions/0018).
RATELIMIT_IP_META_KEY = "xuedang.core.addresses.ratelimit_ip"
RATELIMIT_IPV6_MASK = 64
LOGGING["filters"]["redact_report_codes"] = {"()": "xuedang.reports.logging.RedactCodesFilter"}
LOGGING["handlers"]["console"]["filters"].append("redact_report_codes")
# The development server's access log (Django's own "django.server" handler has no filters):
# through the redacting console handler instead, so codes and numbers in paths never reach it.
LOGGING["filters"]["strip_query_strings"] = {"()": "xuedang.core.logging.StripQueryStringFilter"}
LOGGING["loggers"] = {
    "django.server": {
        "handlers": ["console"],
        "filters": ["strip_query_strings"],
        "level": "INFO",
        "propagate": False,
    }
}

# --- Health and metrics (core/health.py, core/metrics.py; docs/deploy.md) ----------------------------
# /metrics answers these addresses or networks only (404 to anyone else); Prometheus scrapes each
# node directly. Under gunicorn, PROMETHEUS_MULTIPROC_DIR (deploy/) makes the workers' samples one.
METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
METRICS_NETWORKS = [n.strip() for n in env("METRICS_NETWORKS", "127.0.0.0/8,::1").split(",") if n.strip()]
