"""Signing in without a password: Django's password reset views in the site's layout, with
the security log told of every request, refusal and completion.

Every view here is for people who are not signed in (@login_not_required, as Django marks
its own); the URLs carry Django's names, which its views and mail templates reverse.
"""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import View
from mozilla_django_oidc import views as oidc_views

from procedures import accounts, security, workflow

from . import oidc, policy
from .directory_roles import DirectorySignInRefused
from .forms import LocalResetForm
from .tokens import invitation_tokens

# The session's backend after a directory sign-in: the one every password session has, so
# a session is read back (and a deactivated person's ended) the same way whichever way in.
SESSION_BACKEND = "procedures.auth.CachedPermissionBackend"


def reset_link_lifetime() -> str:
    """Return how long a reset link works, in words ("1 hour", "3 days", "90 minutes")."""
    seconds = settings.PASSWORD_RESET_TIMEOUT
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


@method_decorator(login_not_required, name="dispatch")
class ResetRequestView(auth_views.PasswordResetView):
    """Ask for a reset link: the same answer, and the same page, whether the address is
    known or not; only an active local account with that address is mailed."""

    email_template_name = "registration/password_reset_email.txt"
    form_class = LocalResetForm

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        mailed = sum(1 for _ in form.get_users(email))
        self.extra_email_context = {
            "site_url": settings.SOP_SITE_URL.rstrip("/"),
            "timeout_text": reset_link_lifetime(),
        }
        response = super().form_valid(form)
        security.password_reset_requested(self.request, email=email, accounts=mailed)
        return response


@method_decorator(login_not_required, name="dispatch")
class ResetSentView(auth_views.PasswordResetDoneView):
    """The answer to every reset request, known address or not."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(timeout_text=reset_link_lifetime(), **kwargs)


@method_decorator(login_not_required, name="dispatch")
class ResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from a mailed link; a used, expired or altered link is a clear
    400 page. So is a link to an account deactivated since it was sent."""

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is None or not workflow.may_sign_in_with_password(user):
            return None  # deactivated since, or signs in with the directory (SOP_LOCAL_LOGIN)
        return user

    def render_to_response(self, context, **kwargs):
        if not self.validlink:
            security.password_reset_refused(self.request, user=self.user)
            kwargs["status"] = HTTPStatus.BAD_REQUEST
        return super().render_to_response(context, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        security.password_reset_completed(self.request, user=self.user)
        return response


@method_decorator(login_not_required, name="dispatch")
class InvitationView(ResetConfirmView):
    """Set a first password from an invitation's link (same pages as a reset)."""

    token_generator = invitation_tokens


@method_decorator(login_not_required, name="dispatch")
def sign_in_refused(request, refusal: Exception, *, status: int | None = None):
    """Log the refused directory sign-in and answer with the page that says why."""
    reason = (
        getattr(refusal, "reason", None)
        or " ".join(getattr(refusal, "messages", []))
        or str(refusal)
    )
    security.directory_sign_in_refused(
        request, source=oidc.SOURCE, reason=getattr(refusal, "detail", reason)
    )
    context = {"reason": reason, "directory_label": settings.SOP_OIDC_BUTTON_LABEL}
    return render(
        request, "people/sign_in_refused.html", context,
        status=status or getattr(refusal, "status", HTTPStatus.FORBIDDEN),
    )  # fmt: skip


@method_decorator(login_not_required, name="dispatch")
class DirectorySignInView(oidc_views.OIDCAuthenticationRequestView):
    """Send the browser to the directory, with a new state, nonce and PKCE challenge."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the library's reads endpoints from settings

    def get(self, request):
        if not oidc.configured():
            raise Http404("Signing in with the directory is not set up.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc.metadata()["authorization_endpoint"]
        except oidc.SignInRefused as refusal:
            return sign_in_refused(request, refusal)
        self.OIDC_RP_CLIENT_ID = settings.SOP_OIDC_CLIENT_ID
        return super().get(request)


STATE_UNKNOWN = oidc.SignInRefused(
    "This sign-in was used already, or did not start in this browser. "
    "Start again from the login page.",
    detail="callback state unknown or used already (a replay, or another browser)",
    status=HTTPStatus.BAD_REQUEST,
)


@method_decorator(login_not_required, name="dispatch")
class DirectoryCallbackView(oidc_views.OIDCAuthenticationCallbackView):
    """Where the directory sends the browser back: the library checks the state once, the
    backend the token; a refusal of either is a page that says why, never a 500."""

    def get(self, request):
        if not oidc.configured():
            raise Http404("Signing in with the directory is not set up.")
        try:
            return super().get(request)
        except SuspiciousOperation:
            return sign_in_refused(request, STATE_UNKNOWN)
        except (oidc.SignInRefused, DirectorySignInRefused) as refusal:
            return sign_in_refused(request, refusal)

    def login_failure(self):
        error = self.request.GET.get("error_description") or self.request.GET.get("error")
        if not error:
            return sign_in_refused(self.request, STATE_UNKNOWN)
        refusal = oidc.SignInRefused(
            f"The directory did not sign you in: {error[:300]}", detail=f"provider said {error!r}"
        )
        return sign_in_refused(self.request, refusal)

    def login_success(self):
        auth.login(self.request, self.user, backend=SESSION_BACKEND)
        security.directory_sign_in(
            self.request, user=self.user, source=oidc.SOURCE,
            groups=getattr(self.user, "directory_groups", []),
        )  # fmt: skip
        next_url = self.request.session.pop("oidc_login_next", None)
        if not next_url or accounts.leads_to_login_or_logout(next_url):
            next_url = reverse(settings.LOGIN_REDIRECT_URL)
        return HttpResponseRedirect(next_url)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, for accounts whose password is kept here. A directory
    account (LDAP, OpenID Connect) has none to change: it is sent to its own page, told so."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not policy.uses_local_password(request.user):
            messages.info(
                request,
                "Your password is kept by your office's directory, not by this site: change "
                "it where you change your Windows or email password.",
            )
            return HttpResponseRedirect(reverse("people:me"))
        return super().dispatch(request, *args, **kwargs)
