"""History: a procedure's revisions and events, any revision rendered, any two compared,
and "My work", the current user's drafts, revisions in review and rejected revisions."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.shortcuts import render
from django.views import View

from .. import workflow
from ..diff import diff_texts
from ..forms import CompareForm, SubmitForm
from ..models import Revision
from .common import get_procedure, get_revision, require_visible

Status = Revision.Status


class HistoryView(View):
    """Every revision of a procedure and its event trail.

    Other people's drafts are listed (number, author, date) without their summary or a link:
    the team sees that someone is working on it, nobody sees text its author has not shared.
    """

    http_method_names = ["get"]

    def get(self, request, **kwargs):
        procedure = get_procedure(kwargs)
        user = request.user
        revisions = list(
            procedure.revisions.select_related("author", "reviewer").order_by("-number")
        )
        rows = []
        visible_ids = set()
        for revision in revisions:
            revision.procedure = procedure
            visible = workflow.can_see(revision, user)
            if visible:
                visible_ids.add(revision.pk)
            rows.append(
                {
                    "revision": revision,
                    "visible": visible,
                    "actions": workflow.allowed_actions(revision, user),
                }
            )
        events = procedure.events.select_related("actor").order_by("-created_at", "-pk")
        trail = [
            {"event": event, "show_comment": event.revision_id in visible_ids} for event in events
        ]
        visible_revisions = [row["revision"] for row in rows if row["visible"]]
        return render(
            request,
            "procedures/history.html",
            {
                "procedure": procedure,
                "rows": rows,
                "trail": trail,
                "visible_revisions": visible_revisions,
                "compare_from": visible_revisions[1] if len(visible_revisions) > 1 else None,
                "compare_to": visible_revisions[0] if visible_revisions else None,
            },
        )


class RevisionView(View):
    """One revision, rendered, with who wrote and reviewed it and what may be done with it."""

    http_method_names = ["get"]

    def get(self, request, **kwargs):
        procedure = get_procedure(kwargs)
        revision = get_revision(procedure, kwargs["number"])
        require_visible(revision, request.user)
        return render(
            request,
            "procedures/revision.html",
            {
                "procedure": procedure,
                "revision": revision,
                "actions": workflow.allowed_actions(revision, request.user),
                "out_of_date": workflow.is_out_of_date(revision),
                "is_current": revision.pk == procedure.current_revision_id,
                "submit_form": SubmitForm(initial={"summary": revision.summary}),
            },
        )


class CompareView(View):
    """`.../compare/?from=N&to=M`: what changed from revision N to revision M."""

    http_method_names = ["get"]

    def get(self, request, **kwargs):
        procedure = get_procedure(kwargs)
        form = CompareForm(request.GET)
        if not form.is_valid():
            messages.error(request, "Choose two revisions to compare by number, e.g. ?from=1&to=2.")
            return render(
                request,
                "procedures/compare.html",
                {"procedure": procedure, "form": form},
                status=400,
            )
        old = get_revision(procedure, form.cleaned_data["from_number"])
        new = get_revision(procedure, form.cleaned_data["to_number"])
        require_visible(old, request.user)
        require_visible(new, request.user)
        return render(
            request,
            "procedures/compare.html",
            {
                "procedure": procedure,
                "form": form,
                "old": old,
                "new": new,
                "diff": diff_texts(old.body, new.body),
            },
        )


class MyWorkView(View):
    """My drafts, my revisions in review, and my rejected revisions still to be revised.

    A rejected revision stays listed, with the reviewer's comment, until I submit a later
    revision of the same procedure; while I have a draft of it, the list links to that draft.
    """

    http_method_names = ["get"]

    def get(self, request):
        user = request.user
        submitted_since = Revision.objects.filter(
            procedure=OuterRef("procedure"), author=user, number__gt=OuterRef("number")
        ).exclude(status=Status.DRAFT)
        mine = list(
            Revision.objects.filter(
                author=user, status__in=[*Revision.OPEN_STATUSES, Status.REJECTED]
            )
            .annotate(revised=Exists(submitted_since))
            .select_related("procedure__section__volume", "reviewer")
            .defer("body", "body_html", "toc_html")
            .order_by("-updated_at", "-pk")
        )
        drafts = {r.procedure_id: r for r in mine if r.status == Status.DRAFT}
        rejected = sorted(
            (r for r in mine if r.status == Status.REJECTED and not r.revised),
            key=lambda r: r.reviewed_at,
            reverse=True,
        )
        return render(
            request,
            "procedures/my_work.html",
            {
                "drafts": self.rows(r for r in mine if r.status == Status.DRAFT),
                "in_review": self.rows(r for r in mine if r.status == Status.IN_REVIEW),
                "rejected": [
                    {"revision": r, "open_draft": drafts.get(r.procedure_id)} for r in rejected
                ],
                "may_edit": workflow.can_edit(user),
            },
        )

    @staticmethod
    def rows(revisions) -> list[dict]:
        return [{"revision": r, "out_of_date": workflow.is_out_of_date(r)} for r in revisions]
