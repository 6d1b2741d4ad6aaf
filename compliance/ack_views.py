"""Thin views of read acknowledgements: who must read a procedure or a section (the rule page
and its POST-only forms), the reader's "I have read and understood revision N", what changed
since they last read it, and their list of what is still to read."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from procedures import workflow
from procedures.models import Revision
from procedures.selectors import procedure_at, section_at
from procedures.text.diff import diff_texts

from . import policy, reading, transitions
from .errors import AcknowledgementRefused, ReviewNotAllowed, status_for
from .forms import AcknowledgeForm, AcknowledgementRuleForm


def _refusal_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "You are not allowed to do that."


def _require_reader(user) -> None:
    if not workflow.can_read(user):
        raise PermissionDenied("Log in to see read acknowledgements.")


def _scope(kwargs: dict) -> dict:
    """The procedure (a URL with a slug) or the section the rule page is about."""
    if "slug" in kwargs:
        return {"procedure": procedure_at(kwargs)}
    return {"section": section_at(kwargs)}


def rule_page(request, scope: dict, *, form=None, status=200):
    """Render a procedure's or section's acknowledgement rule, its form and its trail."""
    procedure, section = scope.get("procedure"), scope.get("section")
    if procedure is not None:
        rule, source = reading.rule_of_procedure(procedure.pk)
        own = rule if source == "procedure" else None
    else:
        rule = own = getattr(section, "acknowledgement_requirement", None)
        source = "section"
    initial = {"groups": list(own.groups.all()), "due_days": own.due_days} if own else {}
    context = {
        "procedure": procedure, "section": section or procedure.section, "rule": rule,
        "source": source, "own": own, "form": form or AcknowledgementRuleForm(initial=initial),
        "may_change": policy.can_require_acknowledgement(request.user),
        "trail": reading.rule_trail(**scope),
    }  # fmt: skip
    return render(request, "compliance/acknowledgement_rules.html", context, status=status)


class RulesView(View):
    """Who must acknowledge a procedure or a section, with the approvers' form."""

    http_method_names = ["get"]

    def get(self, request, **kwargs):
        _require_reader(request.user)
        return rule_page(request, _scope(kwargs))


class RuleActionView(View):
    """POST-only: require (or change) or remove a rule; a refusal shows the rule page again
    with the message, a 4xx and the form as filled in."""

    http_method_names = ["post"]
    remove = False

    def post(self, request, **kwargs):
        scope = _scope(kwargs)
        form = AcknowledgementRuleForm(request.POST)
        try:
            if not policy.can_require_acknowledgement(request.user):
                raise ReviewNotAllowed("Only approvers can require read acknowledgements.")
            if self.remove:
                transitions.acknowledgement_unrequire(user=request.user, **scope)
            elif not form.is_valid():
                raise ValidationError("Please correct the form below.", code="due_days")
            else:
                transitions.acknowledgement_require(
                    user=request.user, groups=form.cleaned_data["groups"],
                    due_days=form.cleaned_data["due_days"], **scope,
                )  # fmt: skip
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, _refusal_text(exc))
            return rule_page(request, scope, form=form, status=status_for(exc))
        messages.success(request, "Acknowledgement no longer required." if self.remove
                         else "Read acknowledgement required.")  # fmt: skip
        where = scope.get("procedure") or scope["section"]
        return redirect(where.get_absolute_url())


class AcknowledgeView(View):
    """POST-only: "I have read and understood revision N". Refusals: a message and a 4xx."""

    http_method_names = ["post"]

    def post(self, request, **kwargs):
        procedure = procedure_at(kwargs)
        form = AcknowledgeForm(request.POST)
        try:
            if not form.is_valid():
                raise AcknowledgementRefused("Say which revision you read.", code="revision")
            revision = Revision.objects.filter(
                procedure=procedure, number=form.cleaned_data["revision"]
            ).first()
            published = (Revision.Status.APPROVED, Revision.Status.SUPERSEDED)
            if revision is None or revision.status not in published:
                raise AcknowledgementRefused(
                    "There is no approved revision with that number.", code="revision"
                )
            transitions.acknowledgement_record(
                procedure=procedure, revision=revision, user=request.user
            )
        except (PermissionDenied, ValidationError) as exc:
            return refused(request, procedure, exc)
        messages.success(request, f"Recorded: you have read and understood revision "
                                  f"{revision.number} of “{procedure.title}”.")  # fmt: skip
        return redirect(procedure.get_absolute_url())


def refused(request, procedure, exc: Exception):
    """A refused acknowledgement: the reason, the way back, the status (403, 400 or 409)."""
    context = {"procedure": procedure, "reason": _refusal_text(exc)}
    return render(request, "compliance/acknowledgement_refused.html", context,
                  status=status_for(exc))  # fmt: skip


class SinceReadView(View):
    """What changed between the revision the reader last acknowledged and the current one,
    with the button to acknowledge the current one."""

    http_method_names = ["get"]

    def get(self, request, **kwargs):
        _require_reader(request.user)
        procedure = procedure_at(kwargs)
        state = reading.reading_state(request.user)
        concern, read = state.concerns.get(procedure.pk), state.reads.get(procedure.pk)
        context = {
            "procedure": procedure,
            "concern": concern,
            "read": read,
            "outstanding": state.outstanding(procedure.pk),
            "ack_url": reverse("compliance:acknowledge", kwargs=procedure.url_kwargs()),
        }
        if concern and read and context["outstanding"]:
            old, new = Revision.objects.filter(pk__in=[read.revision_id, concern.revision_id]
                                               ).order_by("number")  # fmt: skip
            context["diff"] = diff_texts(old.body, new.body)
        return render(request, "compliance/since_read.html", context)


class ToReadView(View):
    """Everything the reader still has to acknowledge: overdue first, then the newest."""

    http_method_names = ["get"]

    def get(self, request):
        _require_reader(request.user)
        rows = reading.reading_state(request.user).to_read()
        overdue = sum(1 for row in rows if row["overdue"])
        return render(request, "compliance/to_read.html", {"rows": rows, "overdue": overdue},
                      status=HTTPStatus.OK)  # fmt: skip
