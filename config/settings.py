"""The one settings module. Every value comes from the environment with a safe default.

Every variable is listed, with its default, in `.env.example` and the README.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)

INSECURE_DEFAULT_SECRET_KEY = "django-insecure-dev-only-change-me"  # noqa: S105 (refused without DEBUG)
SECRET_KEY = env("DJANGO_SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")

if not DEBUG:
    if SECRET_KEY in ("", INSECURE_DEFAULT_SECRET_KEY):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is missing or is the development default. With DJANGO_DEBUG off "
            "the app refuses to start: set DJANGO_SECRET_KEY to a long random value."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS is empty. With DJANGO_DEBUG off the app refuses to start: "
            "list the host names the site answers to, comma-separated."
        )

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Reverse proxies in front of the app that append to X-Forwarded-For (the README's nginx: 1). The
# client's address is then the N-th from the right (portal.core.clientip); 0 believes only REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

INSTALLED_APPS = [
    # the project
    "portal.core",
    "portal.accounts",
    "portal.catalogue",
    "portal.booking",
    "portal.imaging",
    "portal.referrals",
    "portal.payments",
    "portal.reports",
    "portal.feedback",
    "portal.notifications",
    "portal.waitlist",
    "cms",
    "analytics",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    # the rest of the stack
    "django_q",
    "django_htmx",
    "django_bootstrap5",
    "phonenumber_field",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "portal.core.middleware.SharedVersionsMiddleware",  # the per-process copies' stamps: one cache read
    "django.middleware.security.SecurityMiddleware",
    "portal.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML compressed here (whitenoise serves static files pre-compressed, before this runs); Django
    # pads each compressed body at random against BREACH, and CSRF tokens are masked per response.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.accounts.middleware.LoginRequiredMiddleware",
    "portal.accounts.middleware.StaffMFARequiredMiddleware",
    "portal.accounts.middleware.SessionIdleTimeoutMiddleware",
    "portal.accounts.middleware.ThrottledUserSessionsMiddleware",  # allauth's, at most once a minute
    "portal.accounts.proxy.ActingForMiddleware",  # a guardian acting for a dependant (issue 16)
    "portal.core.audit.AuditMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

# URL namespaces that show or change patient data: every request to them is audited.
AUDIT_NAMESPACES = ["accounts", "booking", "referrals", "doctor", "reports", "feedback", "payments",
                    "notifications", "analytics"]
AUDIT_NAMESPACES += ["imaging"]  # images and studies (issue 14)
# The admins show patient data too (issue 13, item 4): the Django admin (users, notification
# preferences, deliveries, proxies) and Wagtail's user admin. Snippet namespaces that hold patient
# models would go here too (today the only snippets are catalogue scan types: no patient data).
AUDIT_NAMESPACES += ["admin", "wagtailusers_users"]

ROOT_URLCONF = env("DJANGO_ROOT_URLCONF", "config.urls")  # bench/ swaps in a reference view
WSGI_APPLICATION = "config.wsgi.application"

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
                "portal.core.context_processors.practice",
                "portal.accounts.context_processors.portal",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
# Persistent connections: each server thread keeps its connection for DJANGO_CONN_MAX_AGE seconds (0 =
# a new one per request). A new SQLite connection costs 1.8 ms of CPU (Django registers its SQL
# functions, then the PRAGMAs below), about a sixth of a signed-in page; a PostgreSQL one a backend
# start on the server (issue 22). Not with DEBUG: runserver starts a thread per request, so a kept
# connection would only wait to be collected (Django's advice). A kept connection is checked
# (is_usable) before a request uses it and replaced if the server went away (a PostgreSQL restart or
# failover): without the check the first request on every kept connection failed with a 500 (issue 20).
DATABASES = {"default": dj_database_url.parse(DATABASE_URL,
                                              conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 0 if DEBUG else 60),
                                              conn_health_checks=env_bool("DJANGO_CONN_HEALTH_CHECKS", True))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two bookings queue
        # instead of failing half-way with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    # A file, not memory, so tests with threads see one database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    # PostgreSQL: a statement waits at most this long for a row or table lock (select_for_update in
    # the booking and payment services), then fails with LockNotAvailable instead of queueing a
    # worker for ever (portal.core.locks turns that into a "busy, try again" message). 0 = no limit.
    # SQLite has no lock_timeout: its IMMEDIATE transactions wait up to "timeout" above.
    _lock_timeout_ms = env_int("DJANGO_DB_LOCK_TIMEOUT_MS", 5000)
    if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
        _pg_options = DATABASES["default"]["OPTIONS"].get("options", "")
        DATABASES["default"]["OPTIONS"]["options"] = f"{_pg_options} -c lock_timeout={_lock_timeout_ms}".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, tasks -------------------------------------------------------------

REDIS_URL = env("REDIS_URL")
if REDIS_URL and os.environ.get("PYTEST_XDIST_WORKER"):
    # A parallel test run: the tests empty the cache around each test (FLUSHDB), so each worker gets
    # its own Redis database, counting down from the one given (gw0 keeps it, gw1 the one below...).
    _redis = urlsplit(REDIS_URL)
    _redis_db = int(_redis.path.strip("/") or 0) - int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw"))
    if _redis_db < 0:
        raise ImproperlyConfigured("Too many test workers for the Redis databases below REDIS_URL's.")
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{_redis_db}"))
# The cache holds allauth's rate limits and the public page cache: every worker process must share it.
# Redis when REDIS_URL is set, else the database (table portal_cache, created by `migrate`). "locmem" is
# per process: fine for DEBUG's single runserver and the test run; `check --deploy` warns about it.
CACHE_KIND = env("DJANGO_CACHE", "redis" if REDIS_URL else ("locmem" if DEBUG else "database"))
_CACHE_BACKENDS = {
    # Redis down: reads miss and writes are dropped instead of raising (portal.core.cache), and an
    # unreachable host gives up after these seconds instead of holding the request
    "redis": {"BACKEND": "portal.core.cache.TolerantRedisCache", "LOCATION": REDIS_URL,
              "OPTIONS": {"socket_connect_timeout": env_int("REDIS_CONNECT_TIMEOUT_SECONDS", 1),
                          "socket_timeout": env_int("REDIS_TIMEOUT_SECONDS", 2)}},
    "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "portal_cache"},
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"},
}
if CACHE_KIND not in _CACHE_BACKENDS or (CACHE_KIND == "redis" and not REDIS_URL):
    raise ImproperlyConfigured("DJANGO_CACHE must be redis (with REDIS_URL), database or locmem.")
CACHES = {
    "default": _CACHE_BACKENDS[CACHE_KIND],
    # Wagtail stores every image rendition it looks up again after the lookup: in the shared cache that
    # is a database write per page (the footer logo). Kept per process instead; a rendition's key holds
    # its image's file hash and focal point, so a replaced file or a new crop is never served stale.
    "renditions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "renditions",
                   "TIMEOUT": 600, "OPTIONS": {"MAX_ENTRIES": 2000}},
}

Q_CLUSTER = {
    "name": env("DJANGO_Q_NAME", "portal"),
    "workers": env_int("DJANGO_Q_WORKERS", 2),
    # q2 terminates a task still running after `timeout` seconds; a task not acknowledged after `retry`
    # seconds is handed out again (ORM broker), so retry must exceed timeout. Checked with the send
    # budget below (NOTIFICATIONS_SEND_BUDGET_SECONDS).
    "timeout": env_int("DJANGO_Q_TIMEOUT", 60),
    "retry": env_int("DJANGO_Q_RETRY", 120),
    "max_attempts": 3,
    "queue_limit": 50,
    "catch_up": False,
    "sync": env_bool("DJANGO_Q_SYNC", False),
    "label": "Tasks",
}
# A task that meets an unreachable database (a restart, a failover) runs again on a fresh connection for
# up to this long (below Q_CLUSTER's timeout) before it fails (portal.core.enqueue.survive_db_outage)
TASK_DB_RETRY_SECONDS = env_int("TASK_DB_RETRY_SECONDS", 45)
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Accounts ----------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "portal.accounts.backends.CachedPermissionsBackend",  # ModelBackend, permissions kept per process
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env_bool("DJANGO_FAST_PASSWORD_HASHER", False):  # tests only: hashing speed is not under test
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "/"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "portal.accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "portal.accounts.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = env("DJANGO_EMAIL_SUBJECT_PREFIX", "")
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_RATE_LIMITS = {
    # The 6th wrong password in a row for one account (or 10 a minute from one address) is refused.
    "login_failed": "10/m/ip,5/5m/key",
    # Password reset emails: 3 per address per 15 minutes (allauth's default allows 5 a minute).
    "reset_password": "20/m/ip,3/15m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# New referrals per referring doctor: (count, seconds), counted in the shared cache like allauth's
# limits (issue 13, item 11: a doctor cannot probe the patient list by bulk submissions).
DOCTOR_REFERRAL_RATE_LIMIT = (int(env("DOCTOR_REFERRAL_RATE_LIMIT_COUNT", "20") or 20),
                              int(env("DOCTOR_REFERRAL_RATE_LIMIT_SECONDS", "3600") or 3600))
# Days a referral invitation's emailed link stays valid (portal.referrals.invitations).
REFERRAL_INVITATION_DAYS = int(env("REFERRAL_INVITATION_DAYS", "14") or 14)
MFA_TOTP_ISSUER = env("PRACTICE_NAME", "Radiology Portal")
# Staff roles must enrol in two-factor authentication before any staff page opens.
STAFF_MFA_REQUIRED = env_bool("DJANGO_STAFF_MFA_REQUIRED", True)

# --- Email --------------------------------------------------------------------

# The console backend prints every message (reset links, patient emails) to the server log: the
# default with DEBUG only. With DEBUG off SMTP is the default; choosing console there explicitly still
# works, and `check --deploy` warns about it (core.W002).
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "Radiology Portal <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Practice ---------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "Africa/Harare")
USE_I18N = True
USE_TZ = True
CURRENCY = env("CURRENCY", "USD")
PHONENUMBER_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", "ZW")
PHONENUMBER_DB_FORMAT = "E164"

# --- Static and media -----------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
# Public media: marketing images and documents only. Patient files never go here.
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Patient files (referrals, reports): outside MEDIA_ROOT, no URL, served by permission-checked views.
PRIVATE_MEDIA_ROOT = Path(env("DJANGO_PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "portal.core.storage.StaticFilesStorage"
            if env_bool("DJANGO_STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Forms (django-bootstrap5) -------------------------------------------------
# No green "valid" tick on a field that was fine (a search box, a filter): errors only.
BOOTSTRAP5 = {"field_renderers": {"default": "portal.core.bootstrap.FieldRenderer"}}

# --- Wagtail ----------------------------------------------------------------

WAGTAIL_SITE_NAME = env("PRACTICE_NAME", "Radiology Portal")
# The site's one base URL (links in emails and SMS, the Wagtail admin's own emails); `make run`
# sets it to the host and port it serves.
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "login"  # the admin login goes through allauth: throttling and MFA apply
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAIL_I18N_ENABLED = False
TAGGIT_CASE_INSENSITIVE = True

# --- Security ---------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
# Idle timeouts: a session ends after this long without a request (staff roles: shorter).
SESSION_IDLE_MINUTES = env_int("DJANGO_SESSION_IDLE_MINUTES", 30)
SESSION_IDLE_MINUTES_STAFF = env_int("DJANGO_SESSION_IDLE_MINUTES_STAFF", 15)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
USERSESSIONS_TRACK_ACTIVITY = True
# Extra origins forms may post to (Stripe Checkout is reached by a redirect after a POST).
CSP_FORM_ACTION_EXTRA = env_list("DJANGO_CSP_FORM_ACTION_EXTRA", "https://checkout.stripe.com")
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview views opt in to SAMEORIGIN themselves
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    # Behind an HTTPS proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# URLs an anonymous visitor may open. Everything else redirects to the login page
# (portal.accounts.middleware.LoginRequiredMiddleware). Names, or whole namespaces as "ns:*".
PUBLIC_URL_NAMES = [
    "wagtail_serve",
    "wagtailsitemaps_serve",
    "robots_txt",
    "healthz",
    "login",
    "admin_login_redirect",
    "django_admin_login_redirect",
    "admin_password_reset_redirect",
    "register",
    "logout",
    "public_media",
    "account_login",
    "account_signup",
    "account_logout",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_inactive",
    "account_login_code_confirm",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "wagtailimages_serve",
    "wagtaildocs_serve",
    "wagtaildocs_document_embed",
    *env_list("DJANGO_EXTRA_PUBLIC_URL_NAMES"),  # benchmarks only (bench/hello_urls.py)
    "payments:payments_stripe_webhook",  # Stripe calls it; the signature is its authentication
    "payments:paynow_result",  # Paynow calls it; the message's hash is its authentication
    "notifications:twilio_inbound",  # Twilio webhooks (signature-checked)
    "notifications:twilio_status",
    "reports:shared",  # a report share link: the token is the key (issue 16)
    "reports:shared_pdf",
    "reports:shared_series",  # and the report's images, where the imaging app has them
    "reports:shared_image",
    "reports:shared_images_download",
    "referrals:invitation",  # a referral invitation: the emailed one-time token is the key (issue 13.11)
]

# --- Logging: patient data never goes into logs ----------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Tracebacks without exception messages, messages without emails/phones/dates (patient data).
    "filters": {"patient_data": {"()": "portal.core.observability.PatientDataLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["patient_data"]}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs carry query strings and paths; keep them at WARNING.
        "django.request": {"level": "WARNING"},
        "django.server": {"level": env("DJANGO_SERVER_LOG_LEVEL", "INFO")},
        # Even at DJANGO_LOG_LEVEL=DEBUG: the template engine's debug lines dump template contexts
        # and the SQL log carries query parameters, both full of patient data.
        "django.template": {"level": "INFO"},
        "django_tasks": {"level": "WARNING"},  # Wagtail's background tasks narrate every run at INFO
        "django.db.backends": {"level": "INFO"},
    },
}

# --- Public site (cms) ----------------------------------------------------------

# Anonymous visitors get cached public pages (cms.cache); publishing clears them. 0 turns it off.
CMS_PAGE_CACHE_SECONDS = env_int("CMS_PAGE_CACHE_SECONDS", 300)
# Innermost, so a cached page is answered before URL routing and without a query.
MIDDLEWARE = [*MIDDLEWARE, "cms.cache.AnonymousPageCacheMiddleware"]
# The public site's own views (site search). Only public views go in cms/urls.py.
PUBLIC_URL_NAMES = [*PUBLIC_URL_NAMES, "cms:*"]
# --- Payments (portal.payments) ---------------------------------------------------
# Stripe is on only when STRIPE_SECRET_KEY is set; otherwise patients pay at the practice.

STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
# Paynow (EcoCash, OneMoney, Zimbabwean cards) is on only when both are set (portal.payments.paynow).
PAYNOW_INTEGRATION_ID = env("PAYNOW_INTEGRATION_ID")
PAYNOW_INTEGRATION_KEY = env("PAYNOW_INTEGRATION_KEY")
# The email Paynow gets for mobile-money payments (its test mode requires the merchant's); default: the patient's.
PAYNOW_AUTH_EMAIL = env("PAYNOW_AUTH_EMAIL")
# A mobile-money request not approved within this many minutes is given up (the patient may try again).
PAYNOW_PENDING_MINUTES = env_int("PAYNOW_PENDING_MINUTES", 15)
# The practice's number with the medical-aid schemes (AHFoZ), printed on every claim line.
CLAIMS_PRACTICE_NUMBER = env("CLAIMS_PRACTICE_NUMBER")
# A paid appointment cancelled at least this many hours before its start is refunded.
PAYMENTS_REFUND_CUTOFF_HOURS = env_int("PAYMENTS_REFUND_CUTOFF_HOURS", 24)
# "Pay now" right after booking keeps the slot this many minutes; unpaid, it is freed (0 = no holds).
PAYMENTS_HOLD_MINUTES = env_int("PAYMENTS_HOLD_MINUTES", 30)
# --- Reports (clinicians) ---------------------------------------------------------

# Hours between a report's signature and the patient seeing it (the referring doctor sees it at once).
REPORTS_PATIENT_RELEASE_DELAY_HOURS = env_int("REPORTS_PATIENT_RELEASE_DELAY_HOURS", 0)
# A critical finding not acknowledged by the referring doctor within this many minutes of signing is
# texted to the duty phones (comma-separated E.164 numbers, e.g. "+263772000111,+263712000222").
CRITICAL_ACK_MINUTES = env_int("CRITICAL_ACK_MINUTES", 60)
CRITICAL_DUTY_PHONES = env_list("CRITICAL_DUTY_PHONES")
# WeasyPrint narrates each render at INFO; keep it quiet.
LOGGING["loggers"]["weasyprint"] = {"level": "WARNING"}
LOGGING["loggers"]["fontTools"] = {"level": "WARNING"}
# pypdf (upload checks) warns about every malformed file it repairs; those are the uploader's, not ours.
LOGGING["loggers"]["pypdf"] = {"level": "ERROR"}
# --- Booking (portal.booking) -------------------------------------------------------

# No online booking sooner than this many hours from now.
BOOKING_MIN_LEAD_HOURS = env_int("BOOKING_MIN_LEAD_HOURS", 2)
# Bookable up to this many days ahead.
BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 60)
# Slot grid: starts every N minutes from opening time.
BOOKING_SLOT_STEP_MINUTES = env_int("BOOKING_SLOT_STEP_MINUTES", 15)
# Patients may cancel or reschedule online until this many hours before the start.
BOOKING_CANCEL_CUTOFF_HOURS = env_int("BOOKING_CANCEL_CUTOFF_HOURS", 24)
# Reception may check a patient in from this many minutes before the start (early arrivals, oral
# contrast) until this many minutes after it; outside that window the time would be untrue.
BOOKING_CHECK_IN_EARLY_MINUTES = env_int("BOOKING_CHECK_IN_EARLY_MINUTES", 120)
BOOKING_CHECK_IN_LATE_MINUTES = env_int("BOOKING_CHECK_IN_LATE_MINUTES", 180)
# --- Notifications (email and SMS) ------------------------------------------------

TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER")
# console (prints), locmem (tests), file (SMS_FILE_PATH), twilio; twilio when all three are set.
SMS_BACKEND = env(
    "SMS_BACKEND", "twilio" if TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER else "console"
)
SMS_FILE_PATH = env("SMS_FILE_PATH", str(BASE_DIR / "var" / "sms.jsonl"))
# Hours before the start at which reminders go out.
NOTIFICATIONS_REMINDER_OFFSETS_HOURS = sorted(
    {int(hours) for hours in env_list("NOTIFICATIONS_REMINDER_OFFSETS_HOURS", "24,2")}, reverse=True
)
# Default quiet hours for SMS, local time ("21-7": none from 21:00 to 07:00; "off": none).
NOTIFICATIONS_QUIET_HOURS = env("NOTIFICATIONS_QUIET_HOURS", "21-7")
# The site's public address: links in messages, and the URL Twilio signs its webhooks with.
NOTIFICATIONS_PUBLIC_BASE_URL = env("NOTIFICATIONS_PUBLIC_BASE_URL", WAGTAILADMIN_BASE_URL)
NOTIFICATIONS_EMAIL_DOMAIN = env("NOTIFICATIONS_EMAIL_DOMAIN", "radiology-portal.local")
# Minutes a delivery may stay "sending" before its sender counts as dead (worker killed): then the
# deliveries it never handed over go back to pending and the one it was handing over is marked
# failed ("may have been sent"). Must exceed one provider call by far; a fault drill uses 0.2.
try:
    NOTIFICATIONS_STUCK_MINUTES = float(env("NOTIFICATIONS_STUCK_MINUTES", "10") or "10")
except ValueError:
    NOTIFICATIONS_STUCK_MINUTES = -1.0
if not 0 < NOTIFICATIONS_STUCK_MINUTES < float("inf"):
    raise ImproperlyConfigured(
        f"NOTIFICATIONS_STUCK_MINUTES must be a number of minutes above 0 (e.g. 10 or 0.2), "
        f"not {env('NOTIFICATIONS_STUCK_MINUTES')!r}."
    )
# Seconds a send task may spend handing messages to providers: it hands over no further message once
# the next could end past this (judged by the slowest one so far), and gives the rest of its batch back
# to pending, queued again at once. Default three quarters of Q_CLUSTER["timeout"] (45 of 60): the
# margin is for one call slower than any before it and the closing commit. budget < timeout < retry.
_q_timeout, _q_retry = Q_CLUSTER["timeout"], Q_CLUSTER["retry"]
try:
    NOTIFICATIONS_SEND_BUDGET_SECONDS = float(env("NOTIFICATIONS_SEND_BUDGET_SECONDS") or 0.75 * _q_timeout)
except ValueError:
    NOTIFICATIONS_SEND_BUDGET_SECONDS = -1.0
if not 0 < NOTIFICATIONS_SEND_BUDGET_SECONDS < _q_timeout < _q_retry:
    raise ImproperlyConfigured(
        f"The send budget must be above 0 and below django-q2's timeout, and the timeout below its retry: "
        f"0 < NOTIFICATIONS_SEND_BUDGET_SECONDS ({env('NOTIFICATIONS_SEND_BUDGET_SECONDS') or 'default'}: "
        f"{NOTIFICATIONS_SEND_BUDGET_SECONDS:g}) < Q_CLUSTER['timeout'] (DJANGO_Q_TIMEOUT: {_q_timeout}) "
        f"< Q_CLUSTER['retry'] (DJANGO_Q_RETRY: {_q_retry}) does not hold."
    )
# WhatsApp through Twilio's WhatsApp sender: off unless TWILIO_WHATSAPP_FROM is set ("whatsapp:+14155238886").
# Business-initiated messages must use approved templates: one content SID per message kind,
# "reminder=HX...,confirmation=HX..." (a kind without one is not sent by WhatsApp).
TWILIO_WHATSAPP_FROM = env("TWILIO_WHATSAPP_FROM")
WHATSAPP_CONTENT_SIDS = dict(
    item.split("=", 1) for item in env_list("WHATSAPP_CONTENT_SIDS") if "=" in item
)
# console (prints), locmem (tests), twilio; twilio when the Twilio account and the sender are set.
WHATSAPP_BACKEND = env(
    "WHATSAPP_BACKEND", "twilio" if TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM else "console"
)
# --- Analytics ------------------------------------------------------------------

# BokehJS is served from the installed bokeh package (works offline, no CDN). Resources in
# "server" mode ask for <root_url>static/js/<file>, so the package's js folder is mounted there.
from bokeh.util.paths import static_path as _bokeh_static_path  # noqa: E402

STATICFILES_DIRS += [("bokeh/static/js", str(Path(_bokeh_static_path()) / "js"))]
ANALYTICS_BOKEH_ROOT_URL = STATIC_URL + "bokeh/"
# How often the django-q2 schedule retrains the no-show risk model.
ANALYTICS_NOSHOW_RETRAIN_HOURS = env_int("ANALYTICS_NOSHOW_RETRAIN_HOURS", 24)

# --- Browser journeys (issue 9) -----------------------------------------------
# No Gravatar in the Wagtail admin: it would send staff email hashes to a third party, and the CSP
# (img-src 'self') blocks it anyway. Wagtail shows its built-in default avatar instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- Imaging (portal.imaging, issue 14) ---------------------------------------
# Orthanc (or any archive with Orthanc's REST API) is the PACS. Empty PACS_URL: imaging is off,
# and the imaging panels say so; everything else works. `make run` starts a local Orthanc and sets these.
PACS_URL = env("PACS_URL").rstrip("/")
PACS_USERNAME = env("PACS_USERNAME")
PACS_PASSWORD = env("PACS_PASSWORD")
PACS_TIMEOUT_SECONDS = float(env("PACS_TIMEOUT_SECONDS", "10"))
# Orthanc's DICOM port and AE title, for sending demo studies to it with C-STORE.
PACS_DICOM_HOST = env("PACS_DICOM_HOST", "127.0.0.1")
PACS_DICOM_PORT = env_int("PACS_DICOM_PORT", 4242)
PACS_AE_TITLE = env("PACS_AE_TITLE", "ORTHANC")
# Our DICOM server (`manage.py dicom_server`): the modality worklist (C-FIND) and MPPS.
DICOM_AE_TITLE = env("DICOM_AE_TITLE", "PORTAL")
DICOM_HOST = env("DICOM_HOST", "127.0.0.1")
DICOM_PORT = env_int("DICOM_PORT", 11112)
# Calling AE titles allowed besides the rooms' own (Scheduling > Rooms); any other is refused.
DICOM_ALLOWED_AE_TITLES = env_list("DICOM_ALLOWED_AE_TITLES")
# The PatientID the worklist gives the scanner: this prefix and the patient's account number.
DICOM_PATIENT_ID_PREFIX = env("DICOM_PATIENT_ID_PREFIX", "RP")
# How often the django-q2 schedule reads Orthanc's change feed for new stable studies.
IMAGING_SYNC_MINUTES = env_int("IMAGING_SYNC_MINUTES", 1)
# pynetdicom logs every query and response (patient names included) at INFO: keep patient data out of logs.
LOGGING["loggers"]["pynetdicom"] = {"level": "WARNING"}

# --- JSON API for the mobile app and FHIR R4 (issue 15) ----------------------------
# The app signs in through allauth's own JSON API (allauth.headless, "app" client: a session token
# in the X-Session-Token header), so verification, throttling and MFA are the web's. The website
# keeps its pages: HEADLESS_ONLY stays False. django-ninja serves /api/v1/ (its docs page from the
# package's static files: "ninja" is installed for that), portal.fhir serves /fhir/r4/.
INSTALLED_APPS += ["allauth.headless", "ninja", "portal.fhir"]
HEADLESS_ONLY = False
HEADLESS_CLIENTS = ("app",)
HEADLESS_SERVE_SPECIFICATION = False  # its spec page loads Redoc from a CDN
PUBLIC_URL_NAMES += ["headless:*", "api_v1:*", "api_not_found", "fhir:*"]  # token-authenticated by the API itself
AUDIT_NAMESPACES += ["api_v1", "fhir"]
# The practice's own identifier systems in FHIR resources, e.g. <base>/patient-number. Keep it stable:
# EHRs match records on it.
FHIR_BASE_SYSTEM = env("FHIR_BASE_SYSTEM", WAGTAILADMIN_BASE_URL.rstrip("/") + "/fhir/sid")

# --- Operations (issue 21): row history, error reports, JSON logs, backups ------------
# Row history of appointments, payments, claims, referrals and users (django-simple-history: it works
# the same on SQLite, the embedded default, and PostgreSQL; pghistory needs PostgreSQL triggers).
# The middleware records the signed-in user as the author of each change made during a request.
INSTALLED_APPS += ["simple_history"]
# Before the page cache, which must stay innermost (a cached anonymous page writes nothing).
_cache_mw = MIDDLEWARE.index("cms.cache.AnonymousPageCacheMiddleware")
MIDDLEWARE = [*MIDDLEWARE[:_cache_mw], "simple_history.middleware.HistoryRequestMiddleware", *MIDDLEWARE[_cache_mw:]]
AUDIT_NAMESPACES = [*AUDIT_NAMESPACES, "audit"]  # reading the audit screen is itself recorded

# Errors go to Sentry only when SENTRY_DSN is set, scrubbed of patient data before they leave
# (portal.core.observability.scrub_event); failed django-q2 tasks are reported too.
SENTRY_DSN = env("SENTRY_DSN")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")
SENTRY_RELEASE = env("SENTRY_RELEASE")
SENTRY_TRACES_SAMPLE_RATE = float(env("SENTRY_TRACES_SAMPLE_RATE", "0") or 0)
if SENTRY_DSN:
    from portal.core.observability import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, release=SENTRY_RELEASE,
                traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)

# Logs: one JSON object a line in production (for a log shipper), plain text with DEBUG.
DJANGO_LOG_FORMAT = env("DJANGO_LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING["formatters"]["json"] = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
}
LOGGING["handlers"]["console"]["formatter"] = "json" if DJANGO_LOG_FORMAT == "json" else "plain"

# /healthz: the worker is "stale" when its last heartbeat (every minute) is older than this.
HEALTHZ_WORKER_STALE_SECONDS = env_int("HEALTHZ_WORKER_STALE_SECONDS", 180)
HEALTHZ_PACS_TIMEOUT_SECONDS = float(env("HEALTHZ_PACS_TIMEOUT_SECONDS", "2") or 2)

# Backups (manage.py backup, and nightly through django-q2): encrypted with age to these public keys
# (age1..., comma-separated). The secret key is needed only to restore (restore --identity FILE).
BACKUP_AGE_RECIPIENTS = env_list("BACKUP_AGE_RECIPIENTS")
BACKUP_AGE_IDENTITY_FILE = env("BACKUP_AGE_IDENTITY_FILE")
BACKUP_DIR = Path(env("BACKUP_DIR", str(BASE_DIR / "var" / "backups")))
BACKUP_KEEP_DAYS = env_int("BACKUP_KEEP_DAYS", 14)

# Email: reminders carry List-Unsubscribe (one click turns reminder emails off, no sign-in: the link
# is signed). With an email service configured (ANYMAIL_ESP, e.g. postmark, mailgun, sendgrid, brevo,
# amazon_ses), mail goes through django-anymail and its delivery/bounce webhooks update the log at
# /anymail/<esp>/tracking/ (HTTP basic auth with ANYMAIL_WEBHOOK_SECRET, "user:password").
PUBLIC_URL_NAMES = [*PUBLIC_URL_NAMES, "notifications:unsubscribe"]
INSTALLED_APPS += ["anymail"]
ANYMAIL_ESP = env("ANYMAIL_ESP")
ANYMAIL = {"WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET")}
if ANYMAIL_ESP:
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"
    # The service's credentials by anymail's own names, e.g. POSTMARK_SERVER_TOKEN, MAILGUN_API_KEY.
    for _name in env_list("ANYMAIL_SETTINGS"):
        ANYMAIL[_name] = env(f"ANYMAIL_{_name}")
    PUBLIC_URL_NAMES = [*PUBLIC_URL_NAMES, "anymail:*"]

# --- Patient features: estimate, share links, waitlist, proxy access (issue 16) ---------------
# An unbooked estimate (the confirm step's quote) is valid this many days at most.
ESTIMATE_VALID_DAYS = env_int("ESTIMATE_VALID_DAYS", 30)
# A report share link lasts this many days by default, and never more than the maximum.
REPORT_SHARE_DEFAULT_DAYS = env_int("REPORT_SHARE_DEFAULT_DAYS", 7)
REPORT_SHARE_MAX_DAYS = env_int("REPORT_SHARE_MAX_DAYS", 30)
# A waitlist offer holds the freed slot for this many minutes before passing to the next person.
WAITLIST_OFFER_MINUTES = env_int("WAITLIST_OFFER_MINUTES", 30)
# How many waiting patients are offered one freed slot at once (the first to book it wins).
WAITLIST_OFFERS_PER_SLOT = env_int("WAITLIST_OFFERS_PER_SLOT", 2)
# A guardian's access to a child's records ends at this age unless the now-adult grants it.
PROXY_MAJORITY_AGE = env_int("PROXY_MAJORITY_AGE", 18)
AUDIT_NAMESPACES += ["waitlist"]
