"""A person's second factor: their own page to set it up (the key shown once, as a QR code and
as text, confirmed with a code), see it is on and switch it off; an administrator's reset.
Thin views over people.transitions; every change goes to the security log too."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from procedures import security

from . import policy, second_factor, transitions
from .directory import _refused
from .forms import CodeForm, SecondFactorOffForm

User = get_user_model()
TEMPLATE = "people/second_factor.html"


def _page(request, *, device=None, form=None, off_form=None, status=HTTPStatus.OK):
    user = request.user
    context = {
        "device_on": second_factor.device_of(user) is not None,
        "refusal": policy.second_factor_refusal(user, user),
        "required": policy.second_factor_required(user),
        "new_device": device, "form": form or CodeForm(),
        "off_form": off_form or SecondFactorOffForm(),
    }  # fmt: skip
    if device is not None:
        context["qr_svg"] = second_factor.qr_svg(device)
        context["secret"] = second_factor.secret_text(device)
    return render(request, TEMPLATE, context, status=status)


class SecondFactorView(View):
    """GET: whether the signed-in person's second factor is on, and the buttons."""

    def get(self, request):
        return _page(request)


class SecondFactorStartView(View):
    """POST: a new key, shown on the answer to this request only."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            device = transitions.second_factor_start(person=request.user, user=request.user)
        except (PermissionDenied, ValidationError) as exc:
            return _refused(request, exc)
        return _page(request, device=device)


class SecondFactorConfirmView(View):
    http_method_names = ["post"]

    def post(self, request):
        form = CodeForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError("Type the six digits your app shows.", code="code")
            transitions.second_factor_confirm(
                person=request.user, code=form.cleaned_data["code"], user=request.user
            )
        except (PermissionDenied, ValidationError) as exc:
            return _wrong_code(request, exc, form)
        security.second_factor(request, user=request.user, event="set up")
        messages.success(request, "Your second factor is on: sign-ins now ask for a code.")
        return redirect("people:me")


def _wrong_code(request, exc, form):
    """The set-up page again with the same key (it is still waiting) and the refusal."""
    device = second_factor.waiting_device(request.user)
    if getattr(exc, "code", None) != "code" or device is None:
        return _refused(request, exc)
    if not form.errors:
        form.add_error("code", " ".join(exc.messages))
    return _page(request, device=device, form=form, status=HTTPStatus.BAD_REQUEST)


class SecondFactorOffView(View):
    http_method_names = ["post"]

    def post(self, request):
        form = SecondFactorOffForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(" ".join(form.non_field_errors()), code="code")
            transitions.second_factor_off(
                person=request.user, user=request.user, **form.cleaned_data
            )
        except (PermissionDenied, ValidationError) as exc:
            if getattr(exc, "code", None) != "code":
                return _refused(request, exc)
            if not form.errors:
                form.add_error(None, " ".join(exc.messages))
            return _page(request, off_form=form, status=HTTPStatus.BAD_REQUEST)
        security.second_factor(request, user=request.user, event="switched off")
        messages.success(request, "Your second factor is off: sign-ins ask for your password only.")
        return redirect("people:me")


class SecondFactorResetView(View):
    """POST: an administrator takes away someone's authenticator (a lost phone)."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        person = get_object_or_404(User, pk=pk)
        try:
            transitions.second_factor_reset(person=person, user=request.user)
        except (PermissionDenied, ValidationError) as exc:
            return _refused(request, exc, person)
        by = request.user.get_username()
        security.second_factor(request, user=person, event=f"reset by {by!r}")
        messages.success(request, f"{person.get_username()}: second factor reset.")
        return redirect("people:person", pk=person.pk)
