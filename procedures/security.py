"""Sessions and the security log: idle timeout, login attempts, refused authorisations.

Everything worth an administrator's attention goes to the `msp_sop.security` logger:
logins, failed logins, lockouts (django-axes), password reset requests, refused reset links
and completed resets, every request refused with 403 and every one refused with 400 for a
NUL byte. User-supplied strings are logged with %r so a username cannot forge a log line.
"""

from __future__ import annotations

import logging
import time

from axes.signals import user_locked_out
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse

logger = logging.getLogger("msp_sop.security")

# Session key holding when the session's expiry was last pushed back (Unix seconds).
RENEWED_AT = "_sop_renewed_at"


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's address (django-axes' AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT proxies, each appends the address it saw to X-Forwarded-For,
    so the entry that many from the right is the client as the outermost proxy saw it.
    Entries further left were sent by the client and prove nothing.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            entry.strip()
            for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if entry.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def client_address(request: HttpRequest | None) -> str:
    """Return the client's address for the log."""
    if request is None:
        return "-"
    return getattr(request, "axes_ip_address", None) or client_ip(request) or "-"


def _username(user) -> str:
    return user.get_username() if user is not None and user.is_authenticated else "anonymous"


@receiver(user_logged_in, dispatch_uid="sop_log_login")
def log_login(sender, request, user, **kwargs):
    logger.info("login succeeded: user=%r from %s", user.get_username(), client_address(request))


@receiver(user_logged_in, dispatch_uid="sop_session_renewed_at_login")
def note_session_renewed(sender, request, user, **kwargs):
    # Logging in saves the session with a fresh expiry; the idle clock starts now.
    if hasattr(request, "session"):
        request.session[RENEWED_AT] = int(time.time())


@receiver(user_logged_out, dispatch_uid="sop_log_logout")
def log_logout(sender, request, user, **kwargs):
    logger.info("logout: user=%r from %s", _username(user), client_address(request))


@receiver(user_login_failed, dispatch_uid="sop_log_login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in `credentials` with stars.
    username = str(credentials.get("username"))
    logger.warning("login failed: user=%r from %s", username[:200], client_address(request))


@receiver(user_locked_out, dispatch_uid="sop_log_locked_out")
def log_locked_out(sender, request, username, ip_address, **kwargs):
    logger.warning(
        "login locked out: user=%r from %s after %s failures; cool-off %s",
        username,
        ip_address,
        settings.AXES_FAILURE_LIMIT,
        settings.AXES_COOLOFF_TIME,
    )


def password_reset_requested(request: HttpRequest, *, email: str, accounts: int) -> None:
    """Log a request for a reset link (the page answers the same whatever `accounts` is)."""
    logger.info(
        "password reset requested: email=%r from %s; %s account(s) mailed",
        email[:254],
        client_address(request),
        accounts,
    )


def password_reset_refused(request: HttpRequest, *, user) -> None:
    """Log a reset link that was used already, expired, or altered."""
    logger.warning(
        "password reset link refused (used, expired or altered): user=%r from %s",
        user.get_username() if user is not None else "unknown",
        client_address(request),
    )


def password_reset_completed(request: HttpRequest, *, user) -> None:
    """Log a password set from a reset link, and lift the login locks on that username: whoever
    set it has proved they read the account's mail, so the new password works at once."""
    lifted = axes_reset(username=user.get_username())
    logger.info(
        "password reset completed: user=%r from %s%s",
        user.get_username(),
        client_address(request),
        f"; {lifted} failed login(s) forgotten" if lifted else "",
    )


def login_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """Return the username a login attempt gave, cut to the longest a username can be.

    django-axes' AXES_USERNAME_CALLABLE. Django's login form does not check the length of
    what is typed as a username, and django-axes stores it in a 255-character column: a
    longer one would fail the insert (a server error on PostgreSQL). No username is longer
    than the user model allows, so the cut loses nothing.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    return str(username)[: get_user_model()._meta.get_field("username").max_length]


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """Render the lockout page (django-axes' AXES_LOCKOUT_CALLABLE) in the site's layout."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "username": username,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)),
    }
    response = TemplateResponse(request, "registration/locked_out.html", context, status=429)
    return response.render()


class RefusalLogMiddleware:
    """Log every response refused with 403 (PermissionDenied, CSRF failure, anything else)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403:
            logger.warning(
                "refused: %s %r for user=%r from %s: %s",
                request.method,
                request.get_full_path()[:500],
                _username(getattr(request, "user", None)),
                client_address(request),
                getattr(request, "_sop_refusal_reason", None) or "403 Forbidden",
            )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, PermissionDenied):
            request._sop_refusal_reason = str(exception) or type(exception).__name__
        return None  # Django's own handling renders templates/403.html


class IdleSessionMiddleware:
    """Make SESSION_COOKIE_AGE an idle timeout without writing the session on every request.

    Django's SESSION_SAVE_EVERY_REQUEST would do it with a database write per page view;
    this pushes the expiry back at most once every SESSION_RENEW_AFTER seconds, so an idle
    session ends between SESSION_COOKIE_AGE - SESSION_RENEW_AFTER and SESSION_COOKIE_AGE
    seconds after its last request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a logged-in person's session that this request read; one that logout just
        # flushed holds no user and stays ended.
        if session is None or not session.accessed or session.modified:
            return response
        if SESSION_KEY not in session:
            return response
        now = int(time.time())
        renewed_at = session.get(RENEWED_AT)
        if not isinstance(renewed_at, int) or now - renewed_at >= settings.SESSION_RENEW_AFTER:
            session[RENEWED_AT] = now  # marks it modified: SessionMiddleware saves it
        return response


class NulByteMiddleware:
    """Answer 400 (templates/400.html) to a NUL byte in the path or in the name or value of
    any parameter.

    No text the site keeps may hold one, and PostgreSQL refuses NULs in text: one that reached
    a query (a search, an admin filter, a slug) failed it with a server error there. Forms
    refuse them already; this covers every query and form parameter of every page, the
    admin's included, in one place. It reads a POST's form data before any view does, as the
    CSRF check does anyway; a body over DATA_UPLOAD_MAX_MEMORY_SIZE is then Django's own 400.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The path too: a URL argument (a client's code, a slug) goes into queries as well.
        for where, params in (("path", {"": [request.path]}), ("query", request.GET),
                              ("form", request.POST)):  # fmt: skip
            if _has_nul(params):
                logger.warning(
                    "bad request: NUL byte in the %s of %s %r for user=%r from %s",
                    where,
                    request.method,
                    request.path[:500],
                    _username(getattr(request, "user", None)),
                    client_address(request),
                )
                return render(request, "400.html", status=400)
        return self.get_response(request)


def _has_nul(params) -> bool:
    lists = params.lists() if hasattr(params, "lists") else params.items()
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in lists)


def directory_sign_in(
    request: HttpRequest | None, *, user, source: str, groups=(), roles: str = ""
) -> None:
    """Log a sign-in through the office's directory (OpenID Connect, LDAP), with its groups
    and the roles they gave."""
    logger.info(
        "directory sign-in (%s): user=%r from %s; groups=%r%s",
        source,
        user.get_username(),
        client_address(request),
        [str(group)[:200] for group in list(groups)[:50]],
        f"; roles {roles}" if roles else "",
    )


def directory_sign_in_refused(
    request: HttpRequest | None, *, source: str, reason: str, username: str = ""
) -> None:
    """Log a sign-in through the directory that the site refused (wrong password,
    deactivated, no mapped group, a token that failed a check), and why."""
    logger.warning(
        "directory sign-in refused (%s): user=%r from %s: %r",
        source,
        str(username)[:200],
        client_address(request),
        str(reason)[:500],
    )


def second_factor(request: HttpRequest | None, *, user, event: str) -> None:
    """Log a second-factor event: a code accepted or refused, a device set up, off or reset."""
    level = logging.WARNING if "refused" in event or "reset" in event else logging.INFO
    logger.log(
        level, "second factor %s: user=%r from %s",
        event, user.get_username(), client_address(request),
    )  # fmt: skip
