"""Reviewing: the approvers' queue, the review page (diff + rendered result) and the decision."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from .. import workflow
from ..forms import DecisionForm
from ..selectors import procedure_at, review_base, review_queue, revision_of
from ..text.diff import diff_texts
from ..text.rendered_diff import rendered_diff
from ..workflow import policy
from .common import RevisionActionView, diff_view, require_visible


class ReviewQueueView(View):
    """Every revision in review, oldest submission first (approvers)."""

    http_method_names = ["get"]

    def get(self, request):
        if not policy.can_review(request.user):
            raise PermissionDenied("Only approvers have a review queue.")
        context = {
            "rows": review_queue(request.user),
            "self_approval": policy.self_approval_allowed(),
        }
        return render(request, "procedures/review_queue.html", context)


def review_page(request, procedure, revision, form=None, status=200):
    """Render the review page: the decision, the diff (against the rejected revision it
    revises, or the approved text: `?against=approved`), the result."""
    current = procedure.current_revision
    compared = review_base(revision, request.user, against=request.GET.get("against", ""))
    base = compared["base"]
    context = {
        "procedure": procedure,
        "revision": revision,
        "current": current,
        "compared": compared,
        "diff": diff_texts(base.body if base else "", revision.body),
        "rendered": rendered_diff(base.body_html if base else "", revision.body_html),
        "diff_view": diff_view(request),
        "form": form or DecisionForm(initial={"change": revision.change}),
        "actions": policy.allowed_actions(revision, request.user),
        "out_of_date": revision.is_out_of_date,
        "own": policy.is_author(revision, request.user),
        "decision_refusal": policy.decision_refusal(revision, request.user),
    }
    return render(request, "procedures/review.html", context, status=status)


class ReviewView(View):
    http_method_names = ["get"]

    def get(self, request, **kwargs):
        procedure = procedure_at(kwargs)
        revision = revision_of(procedure, kwargs["number"])
        require_visible(revision, request.user)
        return review_page(request, procedure, revision)


class DecisionView(RevisionActionView):
    """Approve or reject; a refusal shows the review page again with the comment kept."""

    form_class = DecisionForm

    def refused(self, form, *, status):
        if not policy.can_see(self.revision, self.request.user):
            return super().refused(form, status=status)
        return review_page(self.request, self.procedure, self.revision, form, status)


class ApproveView(DecisionView):
    verb = "approve"

    def perform(self, data):
        return workflow.revision_approve(
            revision=self.revision, user=self.request.user, comment=data["comment"],
            change=data.get("change") or None,
        )  # fmt: skip

    def success_message(self, result):
        return f"Revision {result.number} approved: it is now the text everyone reads."

    def success_url(self, result):
        return self.procedure.get_absolute_url()


class RejectView(DecisionView):
    verb = "reject"

    def perform(self, data):
        return workflow.revision_reject(
            revision=self.revision, user=self.request.user, comment=data["comment"]
        )

    def success_message(self, result):
        return f"Revision {result.number} rejected; its author has been told why."

    def success_url(self, result):
        if policy.can_review(self.request.user):
            return reverse("procedures:review_queue")
        return self.revision.get_absolute_url()
