"""Writing: adding a procedure, starting and editing a draft, preview, and the actions an
author takes on their own revision (submit, withdraw, discard, bring up to date, restore)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from attachments.forms import FILE_FIELD, attach_from_form

from .. import linking, workflow
from ..forms import (
    DraftForm,
    PreviewForm,
    ProcedureCreateConfirmForm,
    StartDraftForm,
    SubmitForm,
)
from ..selectors import (
    others_drafting,
    procedure_at,
    revision_of,
    section_at,
    work_on_procedure,
)
from ..text.diff import diff_texts
from ..text.merge import conflict_count, preview_source
from ..workflow import policy
from .common import (
    PostOnlyView,
    RevisionActionView,
    refusal_status,
    refusal_text,
    refuse_form,
)


def render_preview(body: str) -> str:
    """Return the sanitised HTML a preview of `body` shows (conflicts boxed)."""
    return linking.render(preview_source(body)).html


class ProcedureCreateView(View):
    """Add a procedure at the end of a section (editors)."""

    def dispatch(self, request, *args, **kwargs):
        self.section = section_at(kwargs)
        if not policy.can_create(request.user):
            raise PermissionDenied("Only editors can add procedures.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, **kwargs):
        return self.render(ProcedureCreateConfirmForm())

    def post(self, request, **kwargs):
        form = ProcedureCreateConfirmForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            procedure = workflow.procedure_create(
                section=self.section, title=form.cleaned_data["title"], user=request.user,
                confirm_ambiguous=form.cleaned_data["confirm"],
            )  # fmt: skip
        except workflow.AmbiguousTitle as exc:  # a warning: confirm, or choose another title
            return self.render(form, ambiguous=exc)
        except (PermissionDenied, ValidationError) as exc:
            return self.render(form, status=refuse_form(request, form, exc))
        added = f"“{procedure.title}” added to the section. Use Edit to write its text."
        messages.success(request, added)
        return redirect(procedure.get_absolute_url())

    def render(self, form, status=200, ambiguous=None):
        context = {"section": self.section, "volume": self.section.volume, "form": form,
                   "ambiguous": ambiguous}  # fmt: skip
        return render(self.request, "procedures/procedure_create.html", context, status=status)


class EditEntryView(View):
    """`.../edit/`: continue my draft of the procedure, or offer to start one."""

    http_method_names = ["get"]

    def get(self, request, **kwargs):
        procedure = procedure_at(kwargs)
        if not policy.can_edit(request.user):
            raise PermissionDenied("Only editors can edit procedures.")
        work = work_on_procedure(procedure.pk, request.user)
        if work["my_draft"] is not None:
            return redirect("procedures:revision_edit", **work["my_draft"].url_kwargs())
        return start_page(request, procedure, StartDraftForm(), work=work)


def start_page(request, procedure, form, *, work=None, status=200):
    """Render the page offering to start a draft (and, if not yet written, a template)."""
    work = work if work is not None else work_on_procedure(procedure.pk, request.user)
    offer = not procedure.current_revision_id and form.fields["template"].queryset.exists()
    context = {"procedure": procedure, "form": form, "offer_templates": offer, **work}
    return render(request, "procedures/edit_start.html", context, status=status)


class StartDraftView(PostOnlyView):
    """POST: start (or continue) my draft of the procedure."""

    verb = "start a draft"

    def belongs_to(self, kwargs: dict) -> tuple[str, str]:
        procedure = procedure_at(kwargs)
        return reverse("procedures:edit", kwargs=procedure.url_kwargs()), procedure.title

    def post(self, request, **kwargs):
        procedure = procedure_at(kwargs)
        form = StartDraftForm(request.POST)
        if not form.is_valid():
            return start_page(request, procedure, form, status=400)
        template = form.cleaned_data["template"]
        # A refusal (not an editor) is a PermissionDenied: the 403 page shows its message.
        try:
            draft = workflow.revision_start_draft(
                procedure=procedure, user=request.user, template=template
            )
        except ValidationError as exc:
            form.add_error("template", refusal_text(exc))
            return start_page(request, procedure, form, status=refusal_status(exc))
        draft.procedure = procedure
        messages.info(request, f"Editing your draft, revision {draft.number}.")
        return redirect("procedures:revision_edit", **draft.url_kwargs())


def edit_page(
    request, revision, form, *, body: str, status=200, previewing=False, saved=None, unsaved=False
):
    """Render a draft's edit page with `body` in the form (what the user typed, if refused).

    `unsaved`: the text in the form is not what is saved (a preview, a refused save), so the
    page warns before it is left and autosaves it (static/js/unsaved-warning.js, autosave.js).
    """
    base = revision.based_on
    context = {
        "unsaved": unsaved or saved is not None,
        "procedure": revision.procedure,
        "revision": revision,
        "form": form,
        "preview": render_preview(body),
        "previewing": previewing,
        "saved": saved,
        "changes": diff_texts(base.body if base else "", body) if not saved else None,
        "out_of_date": revision.is_out_of_date,
        "current": revision.procedure.current_revision,
        "conflicts": conflict_count(body),
        "actions": policy.allowed_actions(revision, request.user),
        "others_drafting": others_drafting(revision.procedure_id, request.user),
    }
    return render(request, "procedures/edit.html", context, status=status)


def stale_page(request, revision, exc: workflow.StaleEdit):
    """Keep the user's text in the form, show the saved text beside it (409)."""
    data = request.POST.copy()
    data["version"] = str(exc.current.version)
    form = DraftForm(data)
    form.is_valid()
    messages.error(
        request,
        f"{refusal_text(exc)} Saving again replaces the saved text with the text in the form.",
    )
    return edit_page(request, revision, form, body=data.get("body", ""), status=409,
                     saved=exc.current)  # fmt: skip


def refused_page(request, revision, form, exc: Exception, *, body: str, unsaved=True):
    """Show a refused save or submit with the error next to its field and the text kept."""
    messages.error(request, refusal_text(exc))
    field = {
        "summary": "summary",
        "change": "change",
        "too_large": "body",
        "conflicts": "body",
    }.get(getattr(exc, "code", None))
    if field:
        form.add_error(field, refusal_text(exc))
    return edit_page(request, revision, form, body=body, status=refusal_status(exc),
                     unsaved=unsaved)  # fmt: skip


def saved_not_submitted(request, result: workflow.SaveThenSubmitResult, revision):
    """The text was saved but not submitted: say why next to the field to fix (4xx)."""
    data = request.POST.copy()
    data["version"] = str(result.revision.version)  # the next save continues from this one
    form = DraftForm(data)
    form.is_valid()
    messages.info(request, f"Your text is saved (draft revision {revision.number}), "
                           "but it was not submitted for review:")  # fmt: skip
    return refused_page(request, revision, form, result.refusal, body=result.revision.body,
                        unsaved=False)  # fmt: skip


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


# Each takes the request, the transition's result and the revision as the view read it (its
# number and place do not change) and returns where to go next.


def _saved(request, result, revision) -> str:
    messages.success(request, f"Draft saved (revision {revision.number}).")
    return reverse("procedures:revision_edit", kwargs=revision.url_kwargs())


def _submitted(request, result: workflow.SaveThenSubmitResult, revision):
    if result.refusal is not None:
        return saved_not_submitted(request, result, revision)
    messages.success(
        request, f"Revision {revision.number} submitted for review. The approvers have been told."
    )
    return revision.get_absolute_url()


def _updated(request, result: workflow.SaveAndUpdateResult, revision) -> str:
    # The text in the form was saved first, so a refused merge loses none of it.
    if result.refusal is not None:
        text = f"Draft saved, but not brought up to date: {refusal_text(result.refusal)}"
        messages.error(request, text)
    else:
        messages.success(request, merge_message(revision.procedure, result.merge))
    return reverse("procedures:revision_edit", kwargs=revision.url_kwargs())


def form_problem(form: DraftForm, action: str) -> str:
    """Return why the edit form cannot be acted on as sent, or "" if it can."""
    if action not in DraftForm.ACTIONS:
        return "Unknown button; nothing was saved. Your text is below."
    if not form.is_valid():
        return "Nothing was saved: please correct the form below."
    return ""


# The edit form's buttons: the transition each one calls, and where it leads.
EDIT_ACTIONS = {
    "save": (workflow.revision_save_draft, _saved),
    # Saved first, so a submit refused for a missing summary keeps the text (issue 15).
    "submit": (workflow.revision_save_then_submit, _submitted),
    "update": (workflow.revision_save_and_update, _updated),
}


def not_a_draft(request, revision):
    """Send someone opening the edit form of a revision no longer in draft to its page."""
    state = revision.get_status_display().lower()
    messages.info(request, f"Revision {revision.number} is {state}; only a draft can be edited.")
    return redirect(revision.get_absolute_url())


def attachment_refused(request, revision, form, exc: Exception):
    """Show a refused file with the error next to the file field and the typed text kept."""
    messages.error(request, f"Nothing was saved: {refusal_text(exc)}")
    form.add_error(FILE_FIELD, refusal_text(exc))
    status = 403 if isinstance(exc, PermissionDenied) else 400
    return edit_page(request, revision, form, body=request.POST.get("body", ""), status=status)


def save_from_form(request, revision, form, action: str, data: dict):
    """Call the transition of the edit form's button; a refusal keeps the typed text."""
    transition, done = EDIT_ACTIONS[action]
    try:  # a file chosen in the form (no JavaScript) is stored, its Markdown added first
        data["body"] = attach_from_form(request=request, revision=revision, data=data)
    except (PermissionDenied, ValidationError) as exc:
        return attachment_refused(request, revision, form, exc)
    try:
        result = transition(
            revision=revision, user=request.user, body=data["body"],
            summary=data["summary"], expected_version=data["version"],
            change=data.get("change") or None,
        )  # fmt: skip
    except workflow.StaleEdit as exc:
        return stale_page(request, revision, exc)
    except (PermissionDenied, ValidationError) as exc:
        return refused_page(request, revision, form, exc, body=data["body"])
    outcome = done(request, result, revision)
    return redirect(outcome) if isinstance(outcome, str) else outcome


class DraftEditView(View):
    """The edit form of my draft: save, preview without JavaScript, submit, bring up to date."""

    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        self.revision = revision_of(procedure_at(kwargs), kwargs["number"])
        refusal = policy.draft_edit_refusal(self.revision, request.user)
        if refusal:
            raise PermissionDenied(refusal)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, **kwargs):
        revision = self.revision
        if revision.status != revision.Status.DRAFT:
            return not_a_draft(request, revision)
        initial = {"body": revision.body, "summary": revision.summary, "version": revision.version,
                   "change": revision.change}  # fmt: skip
        return edit_page(request, revision, DraftForm(initial=initial), body=revision.body)

    def post(self, request, **kwargs):
        form = DraftForm(request.POST, request.FILES)  # FILES: the no-JavaScript file field
        action = request.POST.get("action") or "save"
        problem = form_problem(form, action)
        if problem:
            messages.error(request, problem)
            body = request.POST.get("body", "")
            return edit_page(request, self.revision, form, body=body, status=400, unsaved=True)
        data = dict(form.cleaned_data)  # add_error() takes fields out of cleaned_data
        if action == "preview":
            return edit_page(request, self.revision, form, body=data["body"], previewing=True,
                             unsaved=True)  # fmt: skip
        return save_from_form(request, self.revision, form, action, data)


def autosave_answer(status: int = 200, **answer) -> JsonResponse:
    return JsonResponse(answer, status=status)


class AutosaveView(PostOnlyView):
    """POST from static/js/autosave.js: save the edit form's text, answer JSON with the new
    version. The form's version guards as for Save draft: a stale one is refused (409)."""

    verb = "save automatically"

    def belongs_to(self, kwargs: dict) -> tuple[str, str]:
        revision = revision_of(procedure_at(kwargs), kwargs["number"])
        return reverse("procedures:revision_edit", kwargs=revision.url_kwargs()), "the draft"

    def post(self, request, **kwargs):
        revision = revision_of(procedure_at(kwargs), kwargs["number"])
        form = DraftForm(request.POST)
        if not form.is_valid():
            problems = [e for errors in form.errors.values() for e in errors]
            return autosave_answer(400, saved=False, message=" ".join(problems))
        data = form.cleaned_data
        try:
            saved = workflow.revision_save_draft(
                revision=revision, user=request.user, body=data["body"], automatic=True,
                summary=data["summary"], expected_version=data["version"],
                change=data.get("change") or None,
            )  # fmt: skip
        except workflow.StaleEdit as exc:
            return autosave_answer(409, saved=False, conflict=True, message=refusal_text(exc),
                                   version=exc.current.version)  # fmt: skip
        except (PermissionDenied, ValidationError) as exc:
            return autosave_answer(refusal_status(exc), saved=False, message=refusal_text(exc))
        return autosave_answer(saved=True, version=saved.version,
                               saved_at=saved.updated_at.isoformat())  # fmt: skip


class PreviewView(PostOnlyView):
    """POST the Markdown, get back the sanitised HTML fragment the reading page would show."""

    verb = "preview"

    def belongs_to(self, kwargs: dict) -> tuple[str, str]:
        return reverse("procedures:my_work"), "My work"

    def post(self, request):
        if not policy.can_edit(request.user):
            raise PermissionDenied("Only editors can preview drafts.")
        form = PreviewForm(request.POST)
        if not form.is_valid():
            errors = [e for errors in form.errors.values() for e in errors]
            return render(request, "procedures/_preview.html", {"errors": errors}, status=400)
        preview = render_preview(form.cleaned_data["body"])
        return render(request, "procedures/_preview.html", {"preview": preview})


# The author's actions on their own revision.


class SubmitView(RevisionActionView):
    form_class = SubmitForm
    verb = "submit"

    def perform(self, data):
        return workflow.revision_submit(
            revision=self.revision, user=self.request.user, summary=data["summary"] or None
        )

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
