"""Settings of the registry, read from the environment (see README "Configuration").

Production differs from a developer's machine only by environment variables. Outside the
``dev`` and ``demo`` modes the secret key and the field-encryption keyring are required, and
start-up stops with a message naming the variable to set.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from registry.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    load_env_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# `make run` and `make test` write var/dev.env (mode, secret key, keyring path) for this
# checkout; real environment variables always win over it. A deployment has no such file.
_DEV_ENV_FILE = Path(env_str("REGISTRY_ENV_FILE", str(VAR_DIR / "dev.env")))
if _DEV_ENV_FILE.is_file():
    load_env_file(_DEV_ENV_FILE)

REGISTRY_MODE = env_choice("REGISTRY_MODE", "production", ("production", "demo", "dev"))
PRODUCTION = REGISTRY_MODE == "production"

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value; "
        "for a local try-out run `make run`, which writes var/dev.env."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ("127.0.0.1", "localhost") if not PRODUCTION else ())
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Field encryption (registry/crypto.py) -------------------------------------------------
# The keyring is a JSON document, given inline (REGISTRY_KEYRING) or as a file
# (REGISTRY_KEYRING_FILE); it never lives in the code or the database.
REGISTRY_KEYRING = env_str("REGISTRY_KEYRING")
REGISTRY_KEYRING_FILE = env_str("REGISTRY_KEYRING_FILE")
if not (REGISTRY_KEYRING or REGISTRY_KEYRING_FILE):
    raise ImproperlyConfigured(
        "No field-encryption keyring. Set REGISTRY_KEYRING_FILE to the path of a keyring file "
        "(create one with `python -m registry.keyring new`), or REGISTRY_KEYRING to its JSON."
    )
# Cipher of newly generated keys: AES-256-GCM by default, SM4-GCM for deployments assessed
# under the commercial-cryptography rules. Existing keys keep the cipher they were made with.
REGISTRY_FIELD_CIPHER = env_choice("REGISTRY_FIELD_CIPHER", "aes-256-gcm", ("aes-256-gcm", "sm4-gcm"))

# --- Audit log (registry/audit/) -------------------------------------------------------------
# Digest of the audit hash chain: SHA-256, or SM3 for commercial-cryptography deployments.
# Chosen once per deployment: verify_audit checks the whole chain with this digest.
REGISTRY_AUDIT_HASH = env_choice("REGISTRY_AUDIT_HASH", "sha256", ("sha256", "sm3"))
# How often Celery beat records a checkpoint of every partition of the audit chain (cron does
# it without a broker: deploy/audit_checkpoint.cron).
REGISTRY_AUDIT_CHECKPOINT_MINUTES = env_int("REGISTRY_AUDIT_CHECKPOINT_MINUTES", 60, minimum=1)

# Follow-up visits after a return home, in months after the handover (services; checked at start-up).
REGISTRY_FOLLOW_UP_MONTHS = env_list("REGISTRY_FOLLOW_UP_MONTHS", ("1", "3", "6", "12"))
# Most records of one kind (rescues, consents, placements, activities …) one case may hold; one
# more is refused with 409 too_many_records (registry.operations.require_room).
REGISTRY_MAX_RECORDS_PER_KIND = env_int("REGISTRY_MAX_RECORDS_PER_KIND", 200, minimum=1)
# Rows a paged list counts at most (beyond the page asked for) before it says "more than" this
# many instead of counting them all (registry.paging): exact below it and on the last page.
REGISTRY_LIST_COUNT_LIMIT = env_int("REGISTRY_LIST_COUNT_LIMIT", 1000, minimum=1)
# Days between two reviews of a care plan (care.plan): a child's, an adult's.
CARE_PLAN_REVIEW_DAYS_CHILD = env_int("CARE_PLAN_REVIEW_DAYS_CHILD", 30, minimum=1)
CARE_PLAN_REVIEW_DAYS_ADULT = env_int("CARE_PLAN_REVIEW_DAYS_ADULT", 90, minimum=1)
# Days without a case note or a change of a service record after which an open case is listed
# on the caseworker's and civil affairs' dashboards (care.notes).
CASE_CONTACT_DAYS = env_int("CASE_CONTACT_DAYS", 30, minimum=1)

# --- Applications ----------------------------------------------------------------------------
INSTALLED_APPS = [
    "registry",
    "victims",
    "services",
    "legal_aid",
    "exports",
    "reports",
    "attachments",
    "care",
    "transfers",
    "inbox",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their long cache lifetime; every other answer gets
    # the Content-Security-Policy and Cache-Control: no-store.
    "registry.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "registry.middleware.SessionTimeoutMiddleware",
    "registry.middleware.SecondFactorMiddleware",
    # After sign-in and CSRF are settled: a page form submitted twice gets the first answer.
    "registry.middleware.IdempotentFormsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: turns a lockout flagged during the request into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "registry.urls"
WSGI_APPLICATION = "registry.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "registry.context_processors.registry",
                "inbox.context_processors.inbox",  # the header's counter of unread items
            ],
            # {% csrf_token %} also writes the form's idempotency key, so every POST form has one.
            "builtins": ["registry.templatetags.form_keys"],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
# SQLite under var/ is the embedded default; DATABASE_URL=postgres://… selects PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'registry.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # BEGIN IMMEDIATE takes the write lock up front, so two writers queue instead of one
        # failing with "database is locked" when it tries to upgrade a read lock.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # mmap: reads go to the operating system's page cache without a system call per page
        # (a third faster for the reports' joins at 100,000 cases); 2 GiB is SQLite's ceiling.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA mmap_size=2147418112;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Added to what DATABASE_URL's query gives (sslmode, sslrootcert, …), never in its place.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Parameters travel apart from the statement, so a statement run again on the same
            # connection is parsed and planned once: psycopg prepares it from its sixth run. A
            # pooler in transaction mode that does not keep prepared statements (PgBouncer before
            # 1.21, or without max_prepared_statements): DB_PREPARED_STATEMENTS=off turns them off.
            "server_side_binding": True,
            "prepare_threshold": 5 if env_bool("DB_PREPARED_STATEMENTS", True) else None,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts --------------------------------------------------------------------------------
AUTH_USER_MODEL = "registry.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes watches every authentication (web sign-in, API token, step-up confirmation) and
# refuses attempts during a lockout or the account's delay; PasswordBackend (Django's
# ModelBackend taking its turn under the delay) does the checking. AxesBackend comes first, as
# axes requires.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",
    "registry.accounts.lockout.PasswordBackend",
]

# Second factor (TOTP, django-otp): required for every account unless the deployment turns it
# off. The demo (REGISTRY_MODE=demo, written by `python -m registry.devsetup demo`) has it off
# by default, and its login page says so.
REGISTRY_REQUIRE_2FA = env_bool("REGISTRY_REQUIRE_2FA", REGISTRY_MODE != "demo")
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Victim registry")
# A sign-in waiting for its second factor is forgotten after this many seconds.
REGISTRY_PENDING_LOGIN_SECONDS = 300

# Activation of accounts (registry.accounts.activation): the one-time enrolment link a new,
# re-enabled or moved account gets lives this many hours; an account of a role that reads cases
# is then approved by a second person of one of these roles (civil_affairs, auditor).
REGISTRY_ENROLMENT_HOURS = env_int("REGISTRY_ENROLMENT_HOURS", 72, minimum=1)
REGISTRY_ACCOUNT_APPROVERS = env_list("REGISTRY_ACCOUNT_APPROVERS", ("civil_affairs", "auditor"))
if not REGISTRY_ACCOUNT_APPROVERS or not set(REGISTRY_ACCOUNT_APPROVERS) <= {"civil_affairs", "auditor"}:
    raise ImproperlyConfigured(
        "REGISTRY_ACCOUNT_APPROVERS must list civil_affairs, auditor or both, separated by commas; "
        f"got {REGISTRY_ACCOUNT_APPROVERS!r}"
    )

# Lockout (registry.accounts.lockout), two rules that no one elsewhere can turn against staff.
# Account and address together (django-axes): LOCKOUT_FAILURES failures of one account from one
# address lock that pair for LOCKOUT_SECONDS from the last counted failure; the account from
# another address, and other accounts from that address, are not locked. The account alone,
# from any address: from its LOCKOUT_DELAY_AFTER-th failure on, each attempt waits 1, 2, 4 …
# seconds after the last failure, at most LOCKOUT_DELAY_MAX_SECONDS; the delay is forgotten
# after a completed sign-in, a sysadmin's unlock, or LOCKOUT_DELAY_FORGET_SECONDS without a
# failure. Attempts refused by either are not counted. A wrong second-factor code counts too.
AXES_FAILURE_LIMIT = env_int("LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(seconds=env_int("LOCKOUT_SECONDS", 15 * 60, minimum=60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "registry.accounts.lockout.LockoutHandler"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
REGISTRY_SIGN_IN_DELAY_AFTER = env_int("LOCKOUT_DELAY_AFTER", 5, minimum=1)
REGISTRY_SIGN_IN_DELAY_MAX_SECONDS = env_int("LOCKOUT_DELAY_MAX_SECONDS", 5 * 60, minimum=1)
REGISTRY_SIGN_IN_DELAY_FORGET_SECONDS = env_int("LOCKOUT_DELAY_FORGET_SECONDS", 24 * 3600, minimum=60)
if REGISTRY_SIGN_IN_DELAY_FORGET_SECONDS <= REGISTRY_SIGN_IN_DELAY_MAX_SECONDS:
    raise ImproperlyConfigured(
        "LOCKOUT_DELAY_FORGET_SECONDS must be longer than LOCKOUT_DELAY_MAX_SECONDS, or an account's "
        "failures would be forgotten before its delay ends."
    )
AXES_LOCKOUT_CALLABLE = "registry.accounts.lockout.lockout_response"
# Axes counts the name typed by its keyed digest: its table never holds the name itself.
AXES_USERNAME_CALLABLE = "registry.accounts.lockout.lockout_username"
# Our audit log records sign-ins; axes keeps only the failure counters it needs.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no start-up banner in every management command
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp", "otp_token", "csrfmiddlewaretoken"]
# The address counted is REMOTE_ADDR, as in the audit log (axes' default without ipware): a
# reverse proxy in front must pass the client's address there; X-Forwarded-For is never read.

# Sessions end after SESSION_IDLE_SECONDS without a request, and SESSION_MAX_AGE_SECONDS after
# sign-in at most, however active (registry.middleware.SessionTimeoutMiddleware). The cookie
# dies with the browser.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 15 * 60, minimum=60)
SESSION_COOKIE_AGE = env_int("SESSION_MAX_AGE_SECONDS", 8 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# No script of the registry reads the CSRF cookie (forms and the API docs get the token in the page).
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# API tokens (registry.models.ApiToken): stored as digests, valid this long after issue.
API_TOKEN_TTL_SECONDS = env_int("API_TOKEN_TTL_SECONDS", 8 * 3600, minimum=60)

# --- Security headers ------------------------------------------------------------------------
# Content-Security-Policy (registry.middleware.SecurityHeadersMiddleware): no inline script or
# style and nothing from another origin, on every page including the API docs.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HSTS is sent on HTTPS answers only: a year in production, off elsewhere unless asked for.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files (served locally; nothing is fetched from the internet) ---------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves static files from the app itself (no CDN, no separate web server needed).
# Production runs `manage.py collectstatic`; dev and demo serve straight from the apps.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = REGISTRY_MODE == "dev"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# --- Archival dossiers and batch work (exports app, Celery) ----------------------------------
# Dossier PDFs are stored encrypted (exports/storage.py) through the "archive" storage: a folder
# under MEDIA_ROOT by default; an S3-compatible backend is a matter of configuring this alias.
EXPORTS_ARCHIVE_ROOT = Path(env_str("EXPORTS_ARCHIVE_ROOT", str(MEDIA_ROOT / "archive")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "archive": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(EXPORTS_ARCHIVE_ROOT),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
    # Attachments of case files, sealed in segments (attachments/content.py), under random names.
    "attachments": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(Path(env_str("ATTACHMENTS_ROOT", str(MEDIA_ROOT / "attachments")))),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
}
# --- Attachments (attachments app) -----------------------------------------------------------
# The largest document accepted (a larger one answers 413), and the most pixels an image may
# decode to (more is refused as a decompression bomb, 400).
ATTACHMENTS_MAX_BYTES = env_int("ATTACHMENTS_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
ATTACHMENTS_MAX_PIXELS = env_int("ATTACHMENTS_MAX_PIXELS", 50_000_000, minimum=1)
# Every uploaded file streams through one handler that keeps it encrypted under a key held in
# memory only, whatever its size: no upload is ever held whole in memory nor written in clear.
FILE_UPLOAD_HANDLERS = ["attachments.uploads.SealedUploadHandler"]
# The one font of every dossier (fonts-noto-cjk): files holding the Noto Sans CJK SC faces,
# taken out of the collections by PostScript name (exports/dossier/fonts.py).
EXPORTS_CJK_FONT_REGULAR = env_str("EXPORTS_CJK_FONT_REGULAR", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
EXPORTS_CJK_FONT_BOLD = env_str("EXPORTS_CJK_FONT_BOLD", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
# Marking and retention printed on dossiers and kept in their XMP (exports/choices.py).
EXPORTS_DOSSIER_CLASSIFICATION = env_choice(
    "EXPORTS_DOSSIER_CLASSIFICATION", "confidential", ("internal", "confidential")
)
EXPORTS_DOSSIER_RETENTION = env_choice("EXPORTS_DOSSIER_RETENTION", "permanent", ("permanent", "30y", "10y"))
# Dossier jobs (exports/jobs.py): a dossier asked for on a page or through the API is made off
# the request — on Celery workers when CELERY_BROKER_URL is set, else on this many threads of
# each web process (0: in the request itself). A job may wait QUEUE_TIMEOUT seconds to start and
# run TIME_LIMIT seconds (Celery's soft limit; the hard one kills the worker 30 s later); the
# request waits up to WAIT seconds for it (the API then answers 201 with the dossier, else 202
# with the job to poll); a user has at most JOBS_PER_USER unfinished jobs (fewer than WORKERS,
# so that no one user fills the threads).
EXPORTS_DOSSIER_WORKERS = env_int("EXPORTS_DOSSIER_WORKERS", 2, minimum=0)
EXPORTS_DOSSIER_QUEUE_TIMEOUT = env_int("EXPORTS_DOSSIER_QUEUE_TIMEOUT", 600, minimum=1)
EXPORTS_DOSSIER_TIME_LIMIT = env_int("EXPORTS_DOSSIER_TIME_LIMIT", 180, minimum=1)
EXPORTS_DOSSIER_WAIT = env_int("EXPORTS_DOSSIER_WAIT", 2, minimum=0)
EXPORTS_DOSSIER_JOBS_PER_USER = env_int("EXPORTS_DOSSIER_JOBS_PER_USER", 1, minimum=1)
# What one dossier may hold (exports/limits.py; a case beyond is refused, 409 dossier_too_large):
# records per section, recorded changes, and characters of text as stored (encrypted: about 4
# per Chinese character). At the defaults a dossier lays out in well under a minute.
EXPORTS_DOSSIER_MAX_SECTION_RECORDS = env_int("EXPORTS_DOSSIER_MAX_SECTION_RECORDS", 300, minimum=1)
EXPORTS_DOSSIER_MAX_HISTORY = env_int("EXPORTS_DOSSIER_MAX_HISTORY", 3000, minimum=1)
EXPORTS_DOSSIER_MAX_TEXT = env_int("EXPORTS_DOSSIER_MAX_TEXT", 2_000_000, minimum=1)
# Evaluation reports (issue 14): every count from 1 to REPORTS_MIN_CELL - 1 is suppressed, as is a rate
# whose denominator, or a median or a sum of money whose count, is below it (reports.suppression).
REPORTS_MIN_CELL = env_int("REPORTS_MIN_CELL", 5, minimum=2)
# Celery (registry/celery.py reads every CELERY_* setting). No broker: batch archival runs in
# the process that asked for it. With one (redis://…), archive_dossiers sends a task per case.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# WeasyPrint does not hand back the memory of large tables: a worker process is replaced after
# this many dossiers, so a long batch runs in flat memory.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 50, minimum=1)
CELERY_TASK_IGNORE_RESULT = True  # progress is kept in exports.ArchiveBatch, not a result backend
# Beat (python -m registry.serve starts it beside the workers) runs the daily reminders
# (inbox.tasks) at REMINDERS_AT, local time; REMINDERS_INTERVAL_SECONDS > 0 runs them every so
# many seconds instead (a smoke test; each run writes a reminder once per item and day anyway).
# Without a broker, cron runs `manage.py send_reminders` (README "Reminders").
REMINDERS_AT = env_str("REMINDERS_AT", "07:00")
_reminders_at = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", REMINDERS_AT)
if _reminders_at is None:
    raise ImproperlyConfigured(f"REMINDERS_AT must be a time of day, HH:MM (24-hour clock); got {REMINDERS_AT!r}")
REMINDERS_INTERVAL_SECONDS = env_int("REMINDERS_INTERVAL_SECONDS", 0, minimum=0)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {
        "task": "inbox.send_reminders",
        "schedule": timedelta(seconds=REMINDERS_INTERVAL_SECONDS)
        if REMINDERS_INTERVAL_SECONDS
        else crontab(hour=int(_reminders_at[1]), minute=int(_reminders_at[2])),
    },
    # A checkpoint of every partition of the audit chain (registry.audit.checkpoints).
    "audit-checkpoint": {
        "task": "registry.audit_checkpoint",
        "schedule": timedelta(minutes=REGISTRY_AUDIT_CHECKPOINT_MINUTES),
    },
}
# Beat's record of its last runs: a file it rewrites, under var/ beside the other state.
CELERY_BEAT_SCHEDULE_FILENAME = env_str("CELERY_BEAT_SCHEDULE_FILENAME", str(VAR_DIR / "celerybeat-schedule"))

# --- E-mail about the inbox (inbox.mail) -------------------------------------------------------
# Sent only when EMAIL_HOST names an SMTP server; otherwise the dummy backend, and nothing is sent
# or marked as sent (tests use Django's locmem backend). A message holds no personal value: how
# many new items wait, and a link to REGISTRY_PUBLIC_URL (the address users sign in at).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.dummy.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "registry@localhost")
REGISTRY_PUBLIC_URL = env_str("REGISTRY_PUBLIC_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
if EMAIL_HOST and not REGISTRY_PUBLIC_URL:
    raise ImproperlyConfigured(
        "EMAIL_HOST is set but REGISTRY_PUBLIC_URL is not: set it to the address users sign in at "
        "(https://registry.example.gov.cn), the link of every e-mail."
    )

# --- Cache and the search rate limit (registry/ratelimit.py) ---------------------------------
# Exact searches (?id_number=, ?name=, the case list's search form) are limited per account to
# REGISTRY_SEARCH_RATE per REGISTRY_SEARCH_RATE_SECONDS. The counters live in the cache, which
# every worker process must share: REGISTRY_CACHE_URL names a Redis (redis://host:6379/1); by
# default the Redis of CELERY_BROKER_URL when that is one (keys are prefixed "registry"). With
# neither, the cache is the process's own memory: right for one process (runserver), flagged by
# `check --deploy` in production, where several gunicorn workers would each count apart.
REGISTRY_SEARCH_RATE = env_int("REGISTRY_SEARCH_RATE", 30, minimum=1)
REGISTRY_SEARCH_RATE_SECONDS = env_int("REGISTRY_SEARCH_RATE_SECONDS", 60, minimum=1)
REGISTRY_CACHE_URL = env_str("REGISTRY_CACHE_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
if REGISTRY_CACHE_URL and not REGISTRY_CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    # Not echoed: a Redis URL may carry its password.
    raise ImproperlyConfigured("REGISTRY_CACHE_URL must be a redis://, rediss:// or unix:// URL")
if REGISTRY_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REGISTRY_CACHE_URL,
            "KEY_PREFIX": "registry",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registry.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "registry.api.schema.AutoSchema",
    # JSON nested deeper than registry.api.parsers.MAX_DEPTH answers 400 before it is decoded.
    "DEFAULT_PARSER_CLASSES": [
        "registry.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "registry.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "registry.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# A write sent with an idempotency key (Idempotency-Key on the API, a hidden field of every page
# form) is answered again, without running again, for a retry within this many hours.
REGISTRY_IDEMPOTENCY_HOURS = env_int("REGISTRY_IDEMPOTENCY_HOURS", 24, minimum=1)
SPECTACULAR_SETTINGS = {
    "TITLE": "Victim assistance and resettlement registry API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: it would send the schema's address to a public validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {"AttachmentKindEnum": "attachments.choices.Kind"},
}

# --- Logging: never personal values (see README "Threat model") -----------------------------
# Exact search carries personal values in the query string (?name=, ?id_number=): every handler
# drops query strings (registry.log_filters), runserver's access log (django.server) included.
# gunicorn's access log writes the path alone (deploy/gunicorn.conf.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_query_string": {"()": "registry.log_filters.StripQueryString"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_query_string"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["no_query_string"],
        },
    },
    "loggers": {
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # Pillow logs the values of an image's EXIF tags (a caption, a place) at DEBUG: never
        # below INFO, whatever LOG_LEVEL says.
        "PIL": {"level": "INFO"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
