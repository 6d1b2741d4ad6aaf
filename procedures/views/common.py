"""What the editing, review and history views share: finding a procedure and a revision by
their URL, refusing what a user may not see, and turning a refused transition into a page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from .. import workflow
from ..models import Procedure, Revision

# Refusals caused by what the user typed (400); any other workflow refusal is a conflict
# with the revision's current state (409).
INPUT_ERRORS = {"required", "summary", "comment", "too_large", "conflicts"}


def get_procedure(kwargs: dict) -> Procedure:
    """Return the procedure named by the URL's volume, section and slug, or 404."""
    try:
        return Procedure.objects.with_place().get(
            section__volume__number=kwargs["volume"],
            section__numeral=kwargs["section"],
            slug=kwargs["slug"],
        )
    except Procedure.DoesNotExist:
        raise Http404("No such procedure in the manual.") from None


def get_revision(procedure: Procedure, number: int) -> Revision:
    """Return the procedure's revision with that number, or 404."""
    try:
        revision = Revision.objects.select_related("author", "reviewer", "based_on").get(
            procedure=procedure, number=number
        )
    except Revision.DoesNotExist:
        raise Http404(f"“{procedure.title}” has no revision {number}.") from None
    revision.procedure = procedure
    return revision


def require_visible(revision: Revision, user) -> None:
    """Refuse (403) a revision whose text the user may not see."""
    if workflow.can_see(revision, user):
        return
    if revision.status == Revision.Status.DRAFT:
        raise PermissionDenied(
            f"Revision {revision.number} is a draft; only its author can see it."
        )
    raise PermissionDenied(
        f"Revision {revision.number} has not been approved; only editors and approvers can see it."
    )


def refusal_status(exc: Exception) -> int:
    """Return the HTTP status for a refused transition: 403, 400 or 409."""
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, ValidationError) and getattr(exc, "code", None) in INPUT_ERRORS:
        return 400
    return 409


def refusal_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "You are not allowed to do that."


class RevisionActionView(View):
    """POST-only: call one workflow function on a revision, add a message, redirect.

    A refusal re-renders a page in the site layout with the message, a 4xx status and the
    form as the user filled it in, so nothing typed is lost.
    """

    http_method_names = ["post"]
    form_class = None
    verb = "do that to"
    refused_template = "procedures/action_refused.html"

    def post(self, request, **kwargs):
        self.procedure = get_procedure(kwargs)
        self.revision = get_revision(self.procedure, kwargs["number"])
        form = self.form_class(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            messages.error(request, "Please correct the form below.")
            return self.refused(form, status=400)
        try:
            result = self.perform(form.cleaned_data if form is not None else {})
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, refusal_text(exc))
            return self.refused(form, status=refusal_status(exc))
        messages.success(request, self.success_message(result))
        return redirect(self.success_url(result))

    def perform(self, data: dict):
        raise NotImplementedError

    def success_message(self, result) -> str:
        raise NotImplementedError

    def success_url(self, result) -> str:
        return self.revision.get_absolute_url()

    def refused(self, form, *, status: int) -> HttpResponse:
        return render(
            self.request,
            self.refused_template,
            {
                "procedure": self.procedure,
                "revision": self.revision,
                "visible": workflow.can_see(self.revision, self.request.user),
                "form": form,
                "verb": self.verb,
                "action_url": self.request.path,
            },
            status=status,
        )
