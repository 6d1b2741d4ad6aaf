"""Settings for msp_sop: one file, every deploy-time choice read from the environment.

Defaults are safe for a laptop (SQLite under var/, a generated secret key); production
hardening follows from DEBUG being off. See .env.example for every variable.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from people import ldap_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SOP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" count as yes)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated environment variable."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def _local_secret_key() -> str:
    """Return a secret key generated once into var/ for local use (never committed)."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once must not both write a key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # django.contrib.admin, whose changelists answer filters they cannot run with ?e=1
    "procedures.adminsite.SiteAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "bootstrap",  # django-bootstrap-static: Bootstrap's CSS/JS as static files
    "csp",
    "axes",
    # The second factor of local accounts (people/second_factor.py): TOTP authenticator apps.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "procedures",
    "attachments",
    "checklists",
    "transfer",
    "compliance",
    "people",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "procedures.security.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads the body: a form post over the upload limit gets the 413 page.
    "procedures.toolarge.RequestTooLargeMiddleware",
    # Every page needs a login unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # SOP_REQUIRE_2FA_FOR_ADMINS: a local administrator without a second factor sets one up first.
    "people.second_factor.RequireSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A NUL byte in any parameter is a 400; inside the header-setting middleware above, so
    # that page carries their headers too.
    "procedures.security.NulByteMiddleware",
    # Logs every refused authorisation (403) to the msp_sop.security logger.
    "procedures.security.RefusalLogMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username/address pair is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, with each user's permission set kept in the cache (procedures/auth.py);
    # passwords only for those SOP_LOCAL_LOGIN lets use one.
    "procedures.auth.CachedPermissionBackend",
    # OpenID Connect (people/oidc.py): answers only the directory's callback, never a
    # permission question; a session it opens is then kept by the backend above.
    "people.oidc.OIDCBackend",
]

# LDAP / Active Directory sign-in (people/ldap_config.py, README "LDAP"), only when
# SOP_LDAP_SERVER_URI is set: django-auth-ldap's backend goes after the lockout check and before
# local passwords (a local account is never taken over by a directory entry of its name).
_LDAP_SETTINGS = ldap_config.settings_from_env(os.environ)
globals().update(_LDAP_SETTINGS)
if _LDAP_SETTINGS:
    AUTHENTICATION_BACKENDS.insert(1, ldap_config.BACKEND)

# Second factor (TOTP) for local accounts; SOP_REQUIRE_2FA_FOR_ADMINS=1 makes it a must for
# administrators signing in with a local password (directory sign-ins use the directory's MFA).
SOP_REQUIRE_2FA_FOR_ADMINS = env_bool("SOP_REQUIRE_2FA_FOR_ADMINS", False)
# Wrong codes in a row make the next check wait 1, 2, 4 ... seconds (django-otp).
OTP_TOTP_THROTTLE_FACTOR = env_int("OTP_TOTP_THROTTLE_FACTOR", 1)
SOP_PERMISSION_CACHE_SECONDS = env_int("SOP_PERMISSION_CACHE_SECONDS", 300)

ROOT_URLCONF = "msp_sop.urls"
WSGI_APPLICATION = "msp_sop.wsgi.application"

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
                "procedures.context_processors.workflow_nav",
                "people.context_processors.people_nav",
                "compliance.context_processors.reading_nav",
            ],
        },
    },
]

# Database: DATABASE_URL (PostgreSQL in production), else an SQLite file under var/.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if not os.environ.get("DATABASE_URL"):
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    # A small office server with several people writing at once: WAL lets readers run
    # beside a writer, IMMEDIATE takes the write lock at BEGIN (so a transaction never
    # fails half-way on an upgrade from read to write), and the timeout makes a second
    # writer wait for the lock instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_from_url(url: str, *, key_prefix: str = "") -> dict:
    """Return the settings of the default cache that CACHE_URL names.

    redis://host:port/db or rediss://... (TLS): Django's RedisCache, shared by every process
    on every host; file:///absolute/path, or file:// for var/cache: files shared by the
    processes of one machine; locmem://: each process's own memory (one process only).
    """
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme in {"redis", "rediss"}:
        if not rest.strip("/"):
            raise ImproperlyConfigured(f"CACHE_URL needs a host: {url!r}")
        config = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # A Redis that stops answering fails a request after seconds instead of hanging it.
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
        }
    elif scheme == "file":
        if rest and not rest.startswith("/"):
            raise ImproperlyConfigured(
                f"CACHE_URL file:// takes an absolute path (file:///srv/cache): {url!r}"
            )
        config = {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": rest or str(VAR_DIR / "cache"),
            # Sessions live here too (below): room for a large office before any culling.
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    elif scheme == "locmem":
        config = {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": rest or "sop-default",
        }
    else:
        raise ImproperlyConfigured(
            f"CACHE_URL must start with redis://, rediss://, file:// or locmem://, not {url!r}"
        )
    if key_prefix:
        config["KEY_PREFIX"] = key_prefix
    return config


# "default" must be shared by every process serving the site: it holds the versions of the
# table of contents, of the work in review and of permissions (procedures.caching.versions,
# procedures.auth), and sessions, so a change made through one process reaches all of them
# on their next request. Unset, it is files under var/cache (every worker of one machine);
# several app hosts share one Redis (CACHE_URL=redis://...). "template_fragments" is each
# process's own memory, whatever CACHE_URL says: its keys carry those versions, so a fragment
# or a whole cached page is never served stale, and memory is the fastest place for them.
CACHES = {
    "default": cache_from_url(
        os.environ.get("CACHE_URL", "").strip() or "file://",
        key_prefix=os.environ.get("CACHE_KEY_PREFIX", "").strip(),
    ),
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "sop-template-fragments",
        "OPTIONS": {"MAX_ENTRIES": 3000},
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after SESSION_COOKIE_AGE seconds without a request (an idle timeout, not a
# fixed lifetime): procedures.security.IdleSessionMiddleware renews the expiry as the
# person works, at most once a minute, instead of writing the session on every request.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
# Sessions are kept in the database and read through the default cache (files readable by
# the app's user only): a page then costs one query fewer. Logout deletes both copies.
# To end someone's sessions at once, deactivate them or change their password in the
# admin (both checked on every request); deleting rows from django_session alone leaves
# the cached copy until it times out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_RENEW_AFTER = env_int("SESSION_RENEW_AFTER", 60)

# Login protection (django-axes): 5 failed logins for one username from one address lock
# that pair out for 15 minutes. Locking the pair, not the username, means a stranger
# cannot lock a colleague out of the site from every address by guessing at their name.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "procedures.security.login_username"
# The lockout page: templates/registration/locked_out.html, status 429 Too Many Requests.
AXES_LOCKOUT_CALLABLE = "procedures.security.lockout_response"
# The client's address (for lockouts and the security log): REMOTE_ADDR, or behind
# TRUSTED_PROXY_COUNT reverse proxies the X-Forwarded-For entry the outermost one added.
# Wrong here, every login would come from the proxy's address and a lock would shut a
# username out from everywhere.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "procedures.security.client_ip"

# A mailed password reset link works once, for this many seconds (default one hour).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)
# An invitation's set-your-password link (People page) works once, for this many seconds.
SOP_INVITATION_TIMEOUT = env_int("SOP_INVITATION_TIMEOUT", 7 * 24 * 60 * 60)

# Signing in with the office's directory (OpenID Connect, LDAP): which directory groups give
# which roles (people/directory_roles.py; JSON or "group=role;group=role", roles Readers,
# Editors, Approvers, administrators), and what happens to someone in none of them:
# "refuse" (a page saying so) or "reader".
SOP_DIRECTORY_GROUP_ROLES = os.environ.get("SOP_DIRECTORY_GROUP_ROLES", "")
SOP_DIRECTORY_UNMAPPED = os.environ.get("SOP_DIRECTORY_UNMAPPED", "refuse")
# Who may sign in with a password: "everyone" (the default), "administrators" (break-glass
# accounts only, once everyone else signs in with the directory) or "off".
SOP_LOCAL_LOGIN = os.environ.get("SOP_LOCAL_LOGIN", "everyone").strip().lower() or "everyone"
SOP_LOCAL_LOGIN = {"admins": "administrators", "on": "everyone"}.get(
    SOP_LOCAL_LOGIN, SOP_LOCAL_LOGIN
)
if SOP_LOCAL_LOGIN not in {"everyone", "administrators", "off"}:
    raise ImproperlyConfigured(
        f"SOP_LOCAL_LOGIN must be everyone, administrators or off, not {SOP_LOCAL_LOGIN!r}"
    )
# OpenID Connect (people/oidc.py, mozilla-django-oidc): Microsoft Entra ID or any standard
# provider. On when a client id and the provider's discovery URL (or issuer) are set.
SOP_OIDC_DISCOVERY_URL = os.environ.get("SOP_OIDC_DISCOVERY_URL", "").strip()
SOP_OIDC_ISSUER = os.environ.get("SOP_OIDC_ISSUER", "").strip()
SOP_OIDC_CLIENT_ID = os.environ.get("SOP_OIDC_CLIENT_ID", "").strip()
SOP_OIDC_CLIENT_SECRET = os.environ.get("SOP_OIDC_CLIENT_SECRET", "")
SOP_OIDC_BUTTON_LABEL = os.environ.get("SOP_OIDC_BUTTON_LABEL", "Sign in with Microsoft")
# Entra ID tenant ids (the `tid` claim) and address domains allowed in; empty: any.
SOP_OIDC_ALLOWED_TENANTS = [t.lower() for t in env_list("SOP_OIDC_ALLOWED_TENANTS", [])]
SOP_OIDC_ALLOWED_EMAIL_DOMAINS = [
    d.lower().lstrip("@") for d in env_list("SOP_OIDC_ALLOWED_EMAIL_DOMAINS", [])
]
SOP_OIDC_GROUPS_CLAIM = os.environ.get("SOP_OIDC_GROUPS_CLAIM", "groups")
# The claim that names a person for good: "sub" (any provider), or Entra ID's "oid".
SOP_OIDC_SUBJECT_CLAIM = os.environ.get("SOP_OIDC_SUBJECT_CLAIM", "sub")
SOP_OIDC_USE_USERINFO = env_bool("SOP_OIDC_USE_USERINFO", True)
SOP_OIDC_LEEWAY_SECONDS = env_int("SOP_OIDC_LEEWAY_SECONDS", 60)
OIDC_RP_CLIENT_ID = SOP_OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = SOP_OIDC_CLIENT_SECRET
OIDC_RP_SCOPES = os.environ.get("SOP_OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = os.environ.get("SOP_OIDC_SIGN_ALGO", "RS256")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env_int("SOP_OIDC_TIMEOUT", 10)
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "procedures:contents"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded screenshots and files (attachments): under var/media, or in an S3 bucket when
# SOP_S3_BUCKET is set (django-storages; see .env.example). They are served by the app, to
# those who may see a revision referring to them, never as public URLs.
MEDIA_ROOT = Path(os.environ.get("SOP_MEDIA_ROOT") or VAR_DIR / "media")
_S3_BUCKET = os.environ.get("SOP_S3_BUCKET", "")
DEFAULT_STORAGE = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _S3_BUCKET,
            "location": os.environ.get("SOP_S3_PREFIX", "sop"),
            "endpoint_url": os.environ.get("SOP_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("SOP_S3_REGION") or None,
            # Unset: boto3 finds credentials itself (AWS_ACCESS_KEY_ID..., an instance role).
            "access_key": os.environ.get("SOP_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("SOP_S3_SECRET_ACCESS_KEY") or None,
            "default_acl": None,  # private: the bucket's own policy, never public-read
            "querystring_auth": True,
            "file_overwrite": True,  # names are SHA-256 hashes: same name, same bytes
        },
    }
    if _S3_BUCKET
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    }
)
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests and `make run` serve static files straight from the apps' folders.
WHITENOISE_USE_FINDERS = DEBUG or env_bool("WHITENOISE_USE_FINDERS", False)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console in development; SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "msp-sop@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's address as people reach it, for links in emails (e.g. https://sop.example.internal).
SOP_SITE_URL = os.environ.get("SOP_SITE_URL", "http://127.0.0.1:8000")

# Production hardening: on whenever DEBUG is off, each switch overridable.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Django then believes X-Forwarded-Proto from any client that reaches it: only when nothing
# but the proxy can (behind gunicorn, --forwarded-allow-ips does the job instead; README).
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): only the site's own scripts, styles and images run,
# so a sanitiser miss in user content still cannot execute code. No inline script, style
# attribute or eval anywhere. img-src allows data: only because Bootstrap's CSS draws its
# icons (navbar toggler, select arrow, checkbox tick, close button) as data: SVG images;
# user Markdown cannot use data: URLs (procedures.text.markdown allows http, https, mailto, tel).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
SILENCED_SYSTEM_CHECKS = []
if not SECURE_SSL_REDIRECT and env_bool("SECURE_PROXY_SSL_REDIRECT", False):
    # The proxy in front redirects HTTP to HTTPS itself, so Django need not.
    SILENCED_SYSTEM_CHECKS.append("security.W008")

# Request size: a procedure body may be up to SOP_MAX_BODY_BYTES; leave room for the form.
SOP_MAX_BODY_BYTES = env_int("SOP_MAX_BODY_BYTES", 1_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = SOP_MAX_BODY_BYTES * 3 + 100_000
# Attachments. A file over the limit is stopped while it is read
# (attachments.uploads.SizeLimitUploadHandler, first of the upload handlers).
SOP_ATTACHMENT_MAX_BYTES = env_int("SOP_ATTACHMENT_MAX_BYTES", 20 * 1000 * 1000)
# Images of more pixels than this are refused as decompression bombs (Pillow's own guard
# warns at its MAX_IMAGE_PIXELS, which attachments.processing treats as a refusal too).
SOP_ATTACHMENT_MAX_PIXELS = env_int("SOP_ATTACHMENT_MAX_PIXELS", 40_000_000)
# Images wider than this get a scaled copy for the page, the original one click away.
SOP_ATTACHMENT_DISPLAY_WIDTH = env_int("SOP_ATTACHMENT_DISPLAY_WIDTH", 1600)
# Files other than images (PNG, JPEG, WebP, GIF) that may be attached, by extension.
SOP_ATTACHMENT_EXTENSIONS = env_list(
    "SOP_ATTACHMENT_EXTENSIONS",
    ["pdf", "txt", "log", "csv", "md", "ps1", "sh", "json", "xml", "zip", "7z", "docx", "xlsx",
     "pptx", "vsdx"],
)  # fmt: skip
# Behind nginx: hand the sending of a file to nginx (X-Accel-Redirect) under this internal
# location, e.g. "/protected-media/" (README: Attachments). Empty: the app sends the bytes.
SOP_ATTACHMENT_X_ACCEL_PREFIX = os.environ.get("SOP_ATTACHMENT_X_ACCEL_PREFIX", "")
FILE_UPLOAD_HANDLERS = [
    "attachments.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Export and import of the manual (transfer/). The organisation named on the printed cover, and
# the line printed at the foot of every page of an export.
SOP_ORGANISATION_NAME = os.environ.get("SOP_ORGANISATION_NAME", "Managed Services")
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = f"{SOP_ORGANISATION_NAME} Operations Manual"
SOP_EXPORT_FOOTER = os.environ.get(
    "SOP_EXPORT_FOOTER", "Uncontrolled when printed — check the intranet for the current version"
)
# A PDF from the site holds at most this many procedures: WeasyPrint lays a document out whole,
# in the web worker's process (163 procedures with 3 screenshots each: 61 s and 760 MB,
# `make bench-export`), longer than a web worker may take. Bigger PDFs come from
# `manage.py export_manual --format pdf`, which lays them out in parts on every core.
SOP_EXPORT_PDF_MAX_PROCEDURES = env_int("SOP_EXPORT_PDF_MAX_PROCEDURES", 40)
# A longer PDF is laid out in parts of about this many procedures (on every core, from the
# export_manual command), so memory stays bounded whatever the manual's size.
SOP_EXPORT_PDF_PART_PROCEDURES = env_int("SOP_EXPORT_PDF_PART_PROCEDURES", 20)
# An archive to import is refused past these: files in it, bytes once unpacked (all files),
# and the ratio of unpacked to packed bytes of any one file (a ZIP bomb).
SOP_IMPORT_MAX_FILES = env_int("SOP_IMPORT_MAX_FILES", 5000)
SOP_IMPORT_MAX_BYTES = env_int("SOP_IMPORT_MAX_BYTES", 500 * 1000 * 1000)
SOP_IMPORT_MAX_RATIO = env_int("SOP_IMPORT_MAX_RATIO", 200)
# Benchmark and corpus tools (devtools/: generate_corpus, bench_search, /bench/bare/): the
# test suite and `make bench*` switch them on with SOP_DEVTOOLS=1. Never on in production.
SOP_DEVTOOLS = env_bool("SOP_DEVTOOLS", False)
if SOP_DEVTOOLS:
    INSTALLED_APPS.append("devtools")
# `make bench` only: the saved page /bench/bare/ serves with no database work, the yardstick
# the reading pages' throughput is measured against (devtools/urls.py).
SOP_BENCH_HTML = os.environ.get("SOP_BENCH_HTML", "")
# One-person shops may allow an author to approve their own revision.
SOP_ALLOW_SELF_APPROVAL = env_bool("SOP_ALLOW_SELF_APPROVAL", False)
# Checklist runs: a ticket reference becomes a link to the PSA when this is set, e.g.
# "https://psa.example/tickets/{ticket}" ({ticket} is replaced, URL-quoted).
SOP_TICKET_URL_PATTERN = os.environ.get("SOP_TICKET_URL_PATTERN", "")
# Months between reviews of a procedure, unless its section or the procedure says otherwise.
SOP_REVIEW_INTERVAL_MONTHS = env_int("SOP_REVIEW_INTERVAL_MONTHS", 12)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Logins, failed logins, lockouts and refused requests (procedures.security).
        "msp_sop.security": {"level": "INFO"},
        # django-axes repeats what msp_sop.security says; keep its warnings only.
        "axes": {"level": "WARNING"},
        # WeasyPrint (PDF export) logs every step of every page at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
