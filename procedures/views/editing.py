"""Writing: adding a procedure, starting and editing a draft, preview, and the actions an
author takes on their own revision (submit, withdraw, discard, bring up to date, restore)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from attachments.forms import attach_from_form  # issue 13
from attachments.transitions import record_revision_attachments  # issue 13

from .. import workflow
from ..diff import diff_texts
from ..forms import DraftForm, PreviewForm, ProcedureCreateForm, SubmitForm
from ..markdown import render_markdown
from ..models import Revision, Section
from ..navigation import in_review
from .common import (
    RevisionActionView,
    get_procedure,
    get_revision,
    refusal_status,
    refusal_text,
)

Status = Revision.Status


def procedure_work(procedure_id: int, user, *, manual: str | None = None) -> dict:
    """Return what the procedure page shows about work in progress, for this user.

    Everyone learns that a newer revision is in review (never its text), from the cache of
    work in review; an editor also gets their own open draft (one query).
    """
    if not workflow.can_read(user):
        return {}
    may_edit = workflow.can_edit(user)
    my_draft = None
    if may_edit:
        my_draft = (
            Revision.objects.drafts()
            .filter(procedure_id=procedure_id, author_id=user.pk)
            .select_related("procedure__section__volume")
            .only("number", "status", "procedure__slug", "procedure__section__numeral",
                  "procedure__section__volume__number")
            .first()
        )  # fmt: skip
    return {
        "revisions_in_review": in_review(manual).get(procedure_id, []),
        "my_draft": my_draft,
        "may_edit": may_edit,
        "may_review": workflow.can_review(user),
    }


class ProcedureCreateView(View):
    """Add a procedure at the end of a section (editors)."""

    template_name = "procedures/procedure_create.html"

    def dispatch(self, request, *args, **kwargs):
        self.section = get_object_or_404(
            Section.objects.select_related("volume"),
            volume__number=kwargs["volume"],
            numeral=kwargs["section"],
        )
        if not workflow.can_create(request.user):
            raise PermissionDenied("Only editors can add procedures.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, **kwargs):
        return self.render(ProcedureCreateForm())

    def post(self, request, **kwargs):
        form = ProcedureCreateForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            procedure = workflow.procedure_create(
                section=self.section, title=form.cleaned_data["title"], user=request.user
            )
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, refusal_text(exc))
            return self.render(form, status=refusal_status(exc))
        messages.success(
            request, f"“{procedure.title}” added to the section. Use Edit to write its text."
        )
        return redirect(procedure.get_absolute_url())

    def render(self, form, status=200):
        context = {"section": self.section, "volume": self.section.volume, "form": form}
        return render(self.request, self.template_name, context, status=status)


class EditEntryView(View):
    """`.../edit/`: continue my draft of the procedure, or offer to start one."""

    http_method_names = ["get"]

    def get(self, request, **kwargs):
        procedure = get_procedure(kwargs)
        if not workflow.can_edit(request.user):
            raise PermissionDenied("Only editors can edit procedures.")
        work = procedure_work(procedure.pk, request.user)
        if work["my_draft"] is not None:
            return redirect("procedures:revision_edit", **work["my_draft"].url_kwargs())
        mine_in_review = [r for r in work["revisions_in_review"] if r.author_id == request.user.pk]
        return render(
            request,
            "procedures/edit_start.html",
            {"procedure": procedure, "mine_in_review": mine_in_review, **work},
        )


class StartDraftView(View):
    """POST: start (or continue) my draft of the procedure."""

    http_method_names = ["post"]

    def post(self, request, **kwargs):
        procedure = get_procedure(kwargs)
        # A refusal (not an editor) is a PermissionDenied: the 403 page shows its message.
        draft = workflow.revision_start_draft(procedure=procedure, user=request.user)
        draft.procedure = procedure
        messages.info(request, f"Editing your draft, revision {draft.number}.")
        return redirect("procedures:revision_edit", **draft.url_kwargs())


class DraftEditView(View):
    """The edit form of my draft: save, preview without JavaScript, submit for review."""

    template_name = "procedures/edit.html"
    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        self.procedure = get_procedure(kwargs)
        self.revision = get_revision(self.procedure, kwargs["number"])
        if not workflow.can_edit(request.user):
            raise PermissionDenied("Only editors can edit procedures.")
        if self.revision.author_id != request.user.pk:
            raise PermissionDenied("Only its author can edit a draft.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, **kwargs):
        revision = self.revision
        if revision.status != Status.DRAFT:
            messages.info(
                request,
                f"Revision {revision.number} is {revision.get_status_display().lower()}; "
                "only a draft can be edited.",
            )
            return redirect(revision.get_absolute_url())
        form = DraftForm(
            initial={
                "body": revision.body,
                "summary": revision.summary,
                "version": revision.version,
            }
        )
        return self.render(form, body=revision.body)

    def post(self, request, **kwargs):
        form = DraftForm(request.POST, request.FILES)  # issue 13: FILES for the file field
        action = request.POST.get("action") or "save"
        if action not in DraftForm.ACTIONS:
            messages.error(request, "Unknown button; nothing was saved. Your text is below.")
            return self.render(form, body=request.POST.get("body", ""), status=400)
        if not form.is_valid():
            messages.error(request, "Nothing was saved: please correct the form below.")
            return self.render(form, body=request.POST.get("body", ""), status=400)
        data = dict(form.cleaned_data)  # add_error() below takes fields out of cleaned_data
        if action == "preview":
            return self.render(form, body=data["body"], previewing=True)
        # --- issue 13 (attachments): store the form's file, append its Markdown to the body.
        try:
            data["body"] = attach_from_form(request=request, revision=self.revision, data=data)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, f"Nothing was saved: {refusal_text(exc)}")
            form.add_error("attachment", refusal_text(exc))
            status = 403 if isinstance(exc, PermissionDenied) else 400
            return self.render(form, body=request.POST.get("body", ""), status=status)
        # --- end issue 13
        transition = (
            workflow.revision_save_and_submit
            if action == "submit"
            else workflow.revision_save_draft
        )
        try:
            revision = transition(
                revision=self.revision,
                user=request.user,
                body=data["body"],
                summary=data["summary"],
                expected_version=data["version"],
            )
        except workflow.StaleEdit as exc:
            return self.stale(form, exc)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, refusal_text(exc))
            self.attach_error(form, exc)
            return self.render(form, body=data["body"], status=refusal_status(exc))
        revision.procedure = self.procedure
        record_revision_attachments(revision=revision)  # issue 13: lead -> workflow effects
        if action == "update":
            # The text in the form was saved above, so the merge loses none of it.
            try:
                result = workflow.revision_update(revision=revision, user=request.user)
            except (PermissionDenied, ValidationError) as exc:
                messages.error(
                    request, f"Draft saved, but not brought up to date: {refusal_text(exc)}"
                )
            else:
                messages.success(request, merge_message(self.procedure, result))
            return redirect("procedures:revision_edit", **revision.url_kwargs())
        if action == "submit":
            messages.success(
                request,
                f"Revision {revision.number} submitted for review. The approvers have been told.",
            )
            return redirect(revision.get_absolute_url())
        messages.success(request, f"Draft saved (revision {revision.number}).")
        return redirect("procedures:revision_edit", **revision.url_kwargs())

    def stale(self, form, exc: workflow.StaleEdit):
        """Keep the user's text in the form, show the saved text beside it."""
        saved = exc.current
        data = self.request.POST.copy()
        data["version"] = str(saved.version)
        form = DraftForm(data)
        form.is_valid()
        messages.error(
            self.request,
            f"{refusal_text(exc)} Saving again replaces the saved text with the text in the form.",
        )
        return self.render(form, body=data.get("body", ""), status=409, saved=saved)

    @staticmethod
    def attach_error(form, exc) -> None:
        field = {"summary": "summary", "too_large": "body", "conflicts": "body"}.get(
            getattr(exc, "code", None)
        )
        if field:
            form.add_error(field, refusal_text(exc))

    def render(self, form, *, body: str, status=200, previewing=False, saved=None):
        revision, procedure = self.revision, self.procedure
        base = revision.based_on
        changes = diff_texts(base.body if base else "", body) if not saved else None
        context = {
            "procedure": procedure,
            "revision": revision,
            "form": form,
            "preview": render_markdown(workflow.preview_source(body)).html,
            "previewing": previewing,
            "saved": saved,
            "changes": changes,
            "out_of_date": workflow.is_out_of_date(revision),
            "current": procedure.current_revision,
            "conflicts": workflow.conflict_count(body),
            "actions": workflow.allowed_actions(revision, self.request.user),
        }
        return render(self.request, self.template_name, context, status=status)


class PreviewView(View):
    """POST the Markdown, get back the sanitised HTML fragment the reading page would show."""

    http_method_names = ["post"]

    def post(self, request):
        if not workflow.can_edit(request.user):
            raise PermissionDenied("Only editors can preview drafts.")
        form = PreviewForm(request.POST)
        if not form.is_valid():
            errors = [e for errors in form.errors.values() for e in errors]
            return render(request, "procedures/_preview.html", {"errors": errors}, status=400)
        html = render_markdown(workflow.preview_source(form.cleaned_data["body"])).html
        return render(request, "procedures/_preview.html", {"preview": html})


# The author's actions on their own revision.


class SubmitView(RevisionActionView):
    form_class = SubmitForm
    verb = "submit"

    def perform(self, data):
        revision = workflow.revision_submit(
            revision=self.revision, user=self.request.user, summary=data["summary"] or None
        )
        # issue 13: a restored or merged draft may be submitted unsaved; its text is final now.
        record_revision_attachments(revision=revision)
        return revision

    def success_message(self, result):
        return f"Revision {result.number} submitted for review. The approvers have been told."


class WithdrawView(RevisionActionView):
    verb = "withdraw"

    def perform(self, data):
        return workflow.revision_withdraw(revision=self.revision, user=self.request.user)

    def success_message(self, result):
        return f"Revision {result.number} withdrawn from review; it is your draft again."

    def success_url(self, result):
        return reverse("procedures:revision_edit", kwargs=self.revision.url_kwargs())


class DiscardView(RevisionActionView):
    verb = "discard"

    def perform(self, data):
        return workflow.revision_discard(revision=self.revision, user=self.request.user)

    def success_message(self, result):
        return f"Draft revision {self.revision.number} discarded."

    def success_url(self, result):
        return self.procedure.get_absolute_url()


def merge_message(procedure, result: workflow.MergeResult) -> str:
    """Return what the author is told after their draft is brought up to date."""
    current = procedure.current_revision
    number = current.number if current else "?"
    if result.conflicts:
        return (
            f"Merged the changes of approved revision {number} into your draft. "
            f"{result.conflicts} place(s) where you both changed the same lines are marked "
            "<<<<<<< … ======= … >>>>>>>: keep what is right, delete the markers, then save."
        )
    return f"Merged the changes of approved revision {number} into your draft; no conflicts."


class UpdateView(RevisionActionView):
    """Bring an out-of-date revision up to date with the approved text (three-way merge)."""

    verb = "bring up to date"

    def perform(self, data):
        return workflow.revision_update(revision=self.revision, user=self.request.user)

    def success_message(self, result):
        return merge_message(self.procedure, result)

    def success_url(self, result):
        return reverse("procedures:revision_edit", kwargs=self.revision.url_kwargs())


class RestoreView(RevisionActionView):
    """Start a new draft from this revision's text (for a rejected one: revise it)."""

    verb = "restore"

    def perform(self, data):
        return workflow.revision_restore(revision=self.revision, user=self.request.user)

    def success_message(self, result):
        return (
            f"Revision {result.number} started as your draft from the text of "
            f"revision {self.revision.number}."
        )

    def success_url(self, result):
        result.procedure = self.procedure
        return reverse("procedures:revision_edit", kwargs=result.url_kwargs())
