"""Signing in without a password: Django's password reset views in the site's layout, with
the security log told of every request, refusal and completion.

Every view here is for people who are not signed in (@login_not_required, as Django marks
its own); the URLs carry Django's names, which its views and mail templates reverse.
"""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator

from procedures import security

from .tokens import invitation_tokens


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
        return user if user is not None and user.is_active else None

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
