"""Thin views of the review cycle: the list of what is due, a procedure's review page, and
the POST-only actions that call one transition each."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views import View
from django_filters.views import FilterView

from procedures.models import Procedure
from procedures.selectors import procedure_at

from . import policy, selectors, transitions
from .errors import ReviewNotAllowed, status_for
from .filters import DueFilter
from .forms import ConfirmForm, IntervalForm, OwnerForm


def _refusal_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "You are not allowed to do that."


class DueView(FilterView):
    """Approved procedures overdue or due for review within 30 days, filtered by owner,
    volume and section in the query string."""

    filterset_class = DueFilter
    template_name = "compliance/due.html"

    def get_queryset(self):
        if not policy.can_see_reviews(self.request.user):
            raise PermissionDenied("Log in to see what is due for review.")
        return Procedure.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = selectors.due_for_review(self.filterset.qs)
        return context

    def render_to_response(self, context, **response_kwargs):
        if self.filterset.is_bound and not self.filterset.is_valid():
            response_kwargs.setdefault("status", HTTPStatus.BAD_REQUEST)
        return super().render_to_response(context, **response_kwargs)


def review_page(request, procedure, *, forms=None, status=200):
    """Render a procedure's review page, with any refused form as the user filled it in."""
    forms = forms or {}
    context = {
        "procedure": procedure, "dates": selectors.procedure_review(procedure.pk),
        "trail": selectors.review_trail(procedure),
        "actions": policy.allowed_review_actions(procedure, request.user),
        "owner_form": forms.get("owner") or OwnerForm(initial={"owner": procedure.owner_id}),
        "interval_form": forms.get("interval") or IntervalForm(
            initial={"interval_months": getattr(getattr(procedure, "review", None),
                                                "interval_months", None)}),
        "confirm_form": forms.get("confirm") or ConfirmForm(),
    }  # fmt: skip
    return render(request, "compliance/procedure_review.html", context, status=status)


class ProcedureReviewView(View):
    """A procedure's owner, interval, review dates and review trail, with the forms the
    user may use."""

    http_method_names = ["get"]

    def get(self, request, **kwargs):
        if not policy.can_see_reviews(request.user):
            raise PermissionDenied("Log in to see review dates.")
        return review_page(request, procedure_at(kwargs))


class ReviewActionView(View):
    """POST-only: validate one form, call one transition, add a message, redirect.

    A refusal re-renders the review page with the message, a 4xx and the form as filled in."""

    http_method_names = ["post"]
    form_class = None
    name = ""
    success = ""

    def post(self, request, **kwargs):
        procedure = procedure_at(kwargs)
        form = self.form_class(request.POST)
        try:
            # Whoever may not do this at all is told so (403), whatever they sent; the
            # transition asks the policy again as the guard.
            refusal = policy.action_refusal(self.name, procedure, request.user)
            if refusal:
                raise ReviewNotAllowed(refusal)
            if not form.is_valid():
                raise ValidationError("Please correct the form below.", code="input")
            self.perform(procedure, form.cleaned_data, request.user)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, _refusal_text(exc))
            status = 400 if getattr(exc, "code", None) == "input" else status_for(exc)
            return review_page(request, procedure, forms={self.name: form}, status=status)
        messages.success(request, self.success)
        return redirect("compliance:procedure_review", **procedure.url_kwargs())


class SetOwnerView(ReviewActionView):
    form_class, name, success = OwnerForm, "owner", "Owner saved."

    def perform(self, procedure, data, user):
        transitions.procedure_set_owner(procedure=procedure, owner=data["owner"], user=user)


class SetIntervalView(ReviewActionView):
    form_class, name, success = IntervalForm, "interval", "Review interval saved."

    def perform(self, procedure, data, user):
        transitions.procedure_set_review_interval(
            procedure=procedure, months=data["interval_months"], user=user
        )


class ConfirmView(ReviewActionView):
    form_class, name, success = ConfirmForm, "confirm", "Review recorded: no change needed."

    def perform(self, procedure, data, user):
        transitions.procedure_confirm_review(
            procedure=procedure, comment=data["comment"], user=user
        )
