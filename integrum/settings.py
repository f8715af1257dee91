"""Integrum settings: one module, driven by environment variables.

SQLite in the data directory is the default so that a fresh checkout runs with
nothing else installed; DATABASE_URL switches to PostgreSQL for production.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("INTEGRUM_DATA_DIR", "var")).resolve()


def _secret_key() -> str:
    """The key comes from the environment, or is generated once and kept in the data directory."""
    if key := os.environ.get("INTEGRUM_SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("INTEGRUM_DEBUG")
ALLOWED_HOSTS = os.environ.get("INTEGRUM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("INTEGRUM_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Background tasks: the API (backport of django.tasks) and its database queue.
    "django_tasks",
    "django_tasks_db",
    # Our apps, in dependency order: each imports only from those above it.
    "integrum.core",
    "integrum.standards",
    "integrum.actions",
    "integrum.assessments",
    "integrum.documents",
    "integrum.context",
    "integrum.risks",
    "integrum.environment",
    "integrum.measurement",
    "integrum.ghg",
    "integrum.performance",
    "integrum.audits",
    "integrum.improvement",
    "integrum.reviews",
    "integrum.reports",
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
    "django_htmx.middleware.HtmxMiddleware",
    "integrum.core.middleware.ActorMiddleware",
    "integrum.core.middleware.OrganisationMiddleware",
    "integrum.core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "integrum.urls"
WSGI_APPLICATION = "integrum.wsgi.application"

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
                "integrum.core.context_processors.shell",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'integrum.sqlite3'}"),
        conn_max_age=env_int("INTEGRUM_DB_CONN_MAX_AGE", 0),
    )
}
# Every request is one transaction: a failing write leaves nothing half done, and the
# change-log chain lock is held until the request's writes commit.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of
    # failing with "database is locked" halfway through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not SQLite's in-memory database, so that concurrent writers really
    # queue on the file lock as they do in production.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reports:home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Throttles (sign-in, signatures) are kept in files in the data directory: every worker counts the
# same attempts, and a failed request's rollback does not undo its count (as a database cache would).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("INTEGRUM_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Only needed for `collectstatic` behind a separate web server; whitenoise serves from the packages.
STATIC_ROOT = os.environ.get("INTEGRUM_STATIC_ROOT") or None
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded files are never served from a public URL: only permission-checked views read them.
MEDIA_URL = "/no-public-media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are served straight from the installed packages: no collectstatic step.
WHITENOISE_USE_FINDERS = True

INTEGRUM_UPLOAD_MAX_BYTES = env_int("INTEGRUM_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
# Files larger than this have their text read for search in the background, not in the request.
INTEGRUM_TEXT_INLINE_BYTES = env_int("INTEGRUM_TEXT_INLINE_BYTES", 2 * 1024 * 1024)

# Background tasks are queued in the database and run by `integrum db_worker`, which
# `integrum serve` starts next to the web server. Tests switch to the immediate backend.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("INTEGRUM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("INTEGRUM_SESSION_AGE", 12 * 3600)
SESSION_COOKIE_SECURE = env_bool("INTEGRUM_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("INTEGRUM_HTTPS"):
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["integrum.core.api_policy.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "integrum.core.api_policy.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "integrum.core.api_policy.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": "10/min"},
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Integrum API",
    "DESCRIPTION": "Integrated management system for ISO 9001 and ISO 14001.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status`; each choice set gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ActionStatusEnum": "integrum.actions.models.Action.Status",
        "AssessmentStatusEnum": "integrum.assessments.models.Assessment.Status",
        "AssessmentItemStatusEnum": "integrum.assessments.models.AssessmentItem.Status",
        "DocumentStatusEnum": "integrum.documents.models.Document.Status",
        "DocumentKindEnum": "integrum.documents.models.Kind",
        "RevisionStatusEnum": "integrum.documents.models.DocumentRevision.Status",
        "ApprovalStepStatusEnum": "integrum.documents.models.ApprovalStep.Status",
        "ApprovalStepKindEnum": "integrum.documents.models.ApprovalStep.Kind",
        "RoleEnum": "integrum.core.models.Role",
        "ContextIssueStatusEnum": "integrum.context.models.ContextIssue.Status",
        "ContextIssueEffectEnum": "integrum.context.models.ContextIssue.Effect",
        "ProcessStatusEnum": "integrum.context.models.Process.Status",
        "InterestedPartyKindEnum": "integrum.context.models.InterestedParty.Kind",
        "OriginEnum": "integrum.context.models.Origin",
        "RiskStatusEnum": "integrum.risks.models.Risk.Status",
        "RiskKindEnum": "integrum.risks.models.Risk.Kind",
        "RiskTreatmentEnum": "integrum.risks.models.Risk.Treatment",
        "LevelEnum": "integrum.risks.models.Level",
        "ObligationStatusEnum": "integrum.environment.models.ComplianceObligation.Status",
        "ObligationKindEnum": "integrum.environment.models.ComplianceObligation.Kind",
        "EvaluationStatusEnum": "integrum.environment.models.ComplianceEvaluation.Status",
        "FactorDatasetFormatEnum": "integrum.ghg.models.FactorDataset.Format",
        "GhgScopeEnum": "integrum.ghg.models.Scope",
        "GwpSetEnum": "integrum.ghg.models.GwpSet",
        "GhgInventoryStatusEnum": "integrum.ghg.models.Inventory.Status",
        "ContractualInstrumentKindEnum": "integrum.ghg.models.ContractualInstrument.Kind",
        "MeterKindEnum": "integrum.measurement.models.Meter.Kind",
        "SiteFigureKindEnum": "integrum.measurement.models.SiteFigure.Kind",
        "ReadingBatchSourceEnum": "integrum.measurement.models.ReadingBatch.Source",
        "ReadingBatchStatusEnum": "integrum.measurement.models.ReadingBatch.Status",
        "KpiSourceEnum": "integrum.performance.models.Kpi.Source",
        "ObjectiveStatusEnum": "integrum.performance.models.Objective.Status",
        "ContextIssueCategoryEnum": "integrum.context.models.CATEGORY_CHOICES",
        "EvaluationResultEnum": "integrum.environment.models.ComplianceEvaluation.Result",
        "AuditStatusEnum": "integrum.audits.models.Audit.Status",
        "ChecklistAnswerEnum": "integrum.audits.models.ChecklistItem.Answer",
        "FindingGradeEnum": "integrum.audits.models.Grade",
        "NonconformityStatusEnum": "integrum.improvement.models.Nonconformity.Status",
        "NonconformitySourceEnum": "integrum.improvement.models.Nonconformity.Source",
        "NonconformitySeverityEnum": "integrum.improvement.models.Nonconformity.Severity",
        "NonconformitySimilarEnum": "integrum.improvement.models.Nonconformity.Similar",
        "EffectivenessEnum": "integrum.improvement.models.Nonconformity.Effectiveness",
        "CauseCategoryEnum": "integrum.improvement.models.Cause",
        "CauseMethodEnum": "integrum.improvement.models.CauseEntry.Method",
        "ManagementReviewStatusEnum": "integrum.reviews.models.ManagementReview.Status",
        "ReviewOutputKindEnum": "integrum.reviews.models.ReviewOutput.Kind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("INTEGRUM_LOG_LEVEL", "WARNING")},
}
