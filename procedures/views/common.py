"""What the editing, review and history views share: refusing what a user may not see, and
turning a refused transition into a page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from ..selectors import procedure_at, revision_of
from ..workflow import errors, policy


def require_visible(revision, user) -> None:
    """Refuse (403) a revision whose text the user may not see."""
    if not policy.can_see(revision, user):
        raise PermissionDenied(policy.visibility_refusal(revision))


def refusal_status(exc: Exception) -> int:
    """Return the HTTP status for a refused transition: 403, 400 or 409."""
    if isinstance(exc, PermissionDenied):
        return 403
    return 400 if errors.is_input_error(exc) else 409


def refusal_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "You are not allowed to do that."


def refuse_form(request, form, exc: Exception) -> int:
    """Say why a transition refused a form (a message, and the error by its field when it is
    about one); return the HTTP status for the re-rendered form."""
    messages.error(request, refusal_text(exc))
    if form is not None and getattr(exc, "code", None) in form.fields:
        form.add_error(exc.code, refusal_text(exc))
    return refusal_status(exc)


class PostOnlyView(View):
    """A state-changing URL: POST only. Anything else (a GET typed in the address bar, a
    reload of a refused action's page) gets the site's own 405 page linking to the page the
    action belongs to, instead of the browser's empty error page."""

    http_method_names = ["post"]
    verb = "do that"  # the button's action, as in "Reject"

    def http_method_not_allowed(self, request, *args, **kwargs):
        url, label = self.belongs_to(kwargs)
        context = {"verb": self.verb, "back_url": url, "back_label": label}
        response = render(request, "405.html", context, status=405)
        response["Allow"] = "POST"
        return response

    def belongs_to(self, kwargs: dict) -> tuple[str, str]:
        """Return the address and name of the page whose button does this action."""
        return reverse("procedures:contents"), "the contents"


class RevisionActionView(PostOnlyView):
    """POST-only: call one workflow function on a revision, add a message, redirect.

    A refusal re-renders a page in the site layout with the message, a 4xx status and the
    form as the user filled it in, so nothing typed is lost. Subclasses say `perform`,
    `success_message` and, unless it is the revision's page, `success_url`.
    """

    form_class = None
    verb = "do that to"

    def post(self, request, **kwargs):
        self.procedure = procedure_at(kwargs)
        self.revision = revision_of(self.procedure, kwargs["number"])
        form = self.form_class(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            messages.error(request, "Please correct the form below.")
            return self.refused(form, status=400)
        try:
            result = self.perform(form.cleaned_data if form is not None else {})
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, refusal_text(exc))
            if form is not None and getattr(exc, "code", None) in form.fields:
                form.add_error(exc.code, refusal_text(exc))  # next to the field to fix
            return self.refused(form, status=refusal_status(exc))
        messages.success(request, self.success_message(result))
        return redirect(self.success_url(result))

    def success_url(self, result) -> str:
        return self.revision.get_absolute_url()

    def belongs_to(self, kwargs: dict) -> tuple[str, str]:
        revision = revision_of(procedure_at(kwargs), kwargs["number"])
        return revision.get_absolute_url(), f"revision {revision.number}"

    def refused(self, form, *, status: int):
        context = {"procedure": self.procedure, "revision": self.revision, "form": form,
                   "visible": policy.can_see(self.revision, self.request.user),
                   "verb": self.verb, "action_url": self.request.path}  # fmt: skip
        return render(self.request, "procedures/action_refused.html", context, status=status)


def diff_view(request) -> str:
    """Return which diff a review or compare page opens on: "source" or `?view=rendered`."""
    return "rendered" if request.GET.get("view") == "rendered" else "source"
