"""The login page with what people/ adds to it: the second step that asks an enrolled local
account for its code, and the page that says why a directory account was refused."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View

from procedures import accounts, security, workflow

from . import oidc, second_factor
from .forms import CodeForm

# The directory backends leave the refusal's text on the request (people/ldap_backend.py).
DIRECTORY_REFUSAL = "_sop_directory_refusal"
WRONG_CODE = "That code is not right, or was used already: type the newest code from your app."
THROTTLED = "Too many wrong codes in a row: wait a few seconds, then type the newest code."


class SignInView(accounts.LoginView):
    """The login page: the directory's button when OpenID Connect is set up, the password
    form for everyone or (SOP_LOCAL_LOGIN=administrators) tucked away for break-glass
    administrators; then the code step for an enrolled local account."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if oidc.configured():
            query = urlencode({"next": context["next"]}) if context.get("next") else ""
            context["directory_url"] = reverse("oidc_authentication_init") + (
                f"?{query}" if query else ""
            )
            context["directory_label"] = settings.SOP_OIDC_BUTTON_LABEL
        context["local_sign_in"] = workflow.local_sign_in()
        return context

    def form_valid(self, form):
        user = form.get_user()
        if not second_factor.asks_code(user):
            return super().form_valid(form)
        second_factor.hold_sign_in(self.request, user=user, redirect_to=self.get_success_url())
        return redirect("second_factor_login")

    def form_invalid(self, form):
        refusal = getattr(self.request, DIRECTORY_REFUSAL, "")
        if refusal:
            context = {"message": refusal}
            return render(self.request, "people/directory_refused.html", context, status=403)
        return super().form_invalid(form)


@method_decorator(login_not_required, name="dispatch")
class SecondFactorLoginView(View):
    """The second step: the code; a wrong or used one counts as a failed login (axes)."""

    def get(self, request):
        person, _ = second_factor.held_sign_in(request)
        if person is None:
            return redirect("login")
        return self._page(request, CodeForm(), person)

    def post(self, request):
        person, held = second_factor.held_sign_in(request)
        if person is None:
            return redirect("login")
        credentials = {"username": person.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            second_factor.drop_held_sign_in(request)
            return security.lockout_response(request, credentials=credentials)
        form = CodeForm(request.POST)
        if form.is_valid():
            allowed = second_factor.code_allowed_now(person)
            if allowed and second_factor.verify_code(person=person, code=form.cleaned_data["code"]):
                second_factor.drop_held_sign_in(request)
                login(request, person, backend=held["backend"])
                security.second_factor(request, user=person, event="code accepted at sign-in")
                return redirect(held["next"])
            form.add_error("code", WRONG_CODE if allowed else THROTTLED)
        security.second_factor(request, user=person, event="code refused at sign-in")
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        return self._page(request, form, person, status=HTTPStatus.BAD_REQUEST)

    def _page(self, request, form, person, status=HTTPStatus.OK):
        context = {"form": form, "person": person}
        return render(request, "registration/second_factor.html", context, status=status)
