"""Every change of a procedure's revisions, one function per transition.

Each transition runs in one transaction, re-reads and locks the procedure row
(`select_for_update`, a real row lock on PostgreSQL; SQLite's IMMEDIATE transactions serialise
writers), asks the policy whether the acting user may, checks the current state, raises a
domain error (`errors`) when either is wrong, writes the change (rendering `body_html`
wherever it writes a body), records a `RevisionEvent` and calls what follows (`effects`).
Views only call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from ..linking import links_made_ambiguous, render_body
from ..models import (
    Favourite,
    Procedure,
    ProcedureEvent,
    RecentView,
    Revision,
    RevisionEvent,
    Section,
)
from ..text.merge import has_conflict_markers, merge_texts
from ..text.wikilinks import link_key
from . import effects, policy
from .errors import AmbiguousTitle, NotAllowed, OutOfDate, StaleEdit, WorkflowError

Status = Revision.Status
Action = RevisionEvent.Action
PAction = ProcedureEvent.Action

# Slugs a new procedure may not take: they name pages beside the procedures of a section.
RESERVED_SLUGS = {"new", "reorder", "default-template"}


# Helpers shared by the transitions.


def _lock_procedure(procedure_id: int) -> Procedure:
    """Lock the procedure's row (only its row: `of`), reading its section and volume with it
    for the paths, addresses and mail that follow."""
    locked = Procedure.objects.select_for_update(of=("self",)).select_related("section__volume")
    return locked.get(pk=procedure_id)


def _lock_revision(revision: Revision) -> tuple[Procedure, Revision]:
    """Lock the revision's procedure, then re-read the revision (and its author, for the
    mail and file links that follow) inside the transaction."""
    procedure = _lock_procedure(revision.procedure_id)
    locked = Revision.objects.select_for_update(of=("self",)).select_related("author")
    fresh = locked.get(pk=revision.pk)
    fresh.procedure = procedure
    return procedure, fresh


def _record(
    *,
    revision: Revision | None,
    procedure: Procedure,
    user: AbstractBaseUser,
    action: str,
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
) -> RevisionEvent:
    return RevisionEvent.objects.create(
        procedure=procedure,
        revision=revision,
        revision_number=revision.number if revision else None,
        actor=user,
        action=action,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
    )


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise NotAllowed(message)


def _require_state(revision: Revision, *statuses: str, doing: str) -> None:
    if revision.status not in statuses:
        raise WorkflowError(
            f"Revision {revision.number} is {revision.get_status_display().lower()}; "
            f"it cannot be {doing}.",
            code="illegal_transition",
        )


def check_body_size(body: str) -> None:
    """Refuse a body larger than settings.SOP_MAX_BODY_BYTES (encoded as UTF-8)."""
    limit = settings.SOP_MAX_BODY_BYTES
    size = len(body.encode("utf-8"))
    if size > limit:
        raise WorkflowError(
            f"The text is {size:,} bytes; the limit is {limit:,} bytes. "
            "Split the procedure or shorten it.",
            code="too_large",
        )


def _next_number(procedure: Procedure) -> int:
    # The trail counts too: a discarded draft's number is never given to another revision.
    last = procedure.revisions.aggregate(last=Max("number"))["last"] or 0
    last_recorded = procedure.events.aggregate(last=Max("revision_number"))["last"] or 0
    return max(last, last_recorded) + 1


def _open_draft(procedure: Procedure, user: AbstractBaseUser) -> Revision | None:
    return procedure.revisions.filter(author=user, status=Status.DRAFT).order_by("-number").first()


def _new_draft(
    *,
    procedure: Procedure,
    user: AbstractBaseUser,
    body: str,
    summary: str = "",
    revises: Revision | None = None,
) -> Revision:
    draft = Revision(
        revises=revises,
        procedure=procedure,
        number=_next_number(procedure),
        body=body,
        summary=summary,
        author=user,
        status=Status.DRAFT,
        based_on_id=procedure.current_revision_id,
    )
    render_body(draft)
    draft.save(force_insert=True)
    effects.text_written(draft)
    return draft


# Procedures.


def _clean_title(title: str) -> str:
    """Return the title with single spaces, or refuse an empty one."""
    title = " ".join((title or "").split())
    if not title:
        raise WorkflowError("A procedure needs a title.", code="required")
    limit = Procedure._meta.get_field("title").max_length
    if len(title) > limit:
        raise WorkflowError(f"A title has at most {limit} characters.", code="title")
    return title


def title_refusal(*, section: Section, title: str, procedure_id: int | None = None) -> str:
    """Return why a procedure may not have this title in this section (another procedure
    there has it, in any case or spacing, archived ones too: restoring one must not make
    two), or "". The admin's form asks this too."""
    key = link_key(title)
    # In the section's order (the default order joins the volume and the section to say it).
    others = section.procedures.exclude(pk=procedure_id).order_by("position", "pk")
    for taken in others.values_list("title", flat=True):
        if link_key(taken) == key:
            return (
                f"Section {section.numeral} already has a procedure called “{taken}”. "
                "Choose another title."
            )
    return ""


def _check_title(
    *, section: Section, title: str, procedure_id: int | None, confirm_ambiguous: bool
) -> None:
    """Refuse a title the section has; unless confirmed, refuse one that would make
    `[[links]]` naming it ambiguous (`AmbiguousTitle` lists whose)."""
    refusal = title_refusal(section=section, title=title, procedure_id=procedure_id)
    if refusal:
        raise WorkflowError(refusal, code="title")
    if confirm_ambiguous:
        return
    sources = links_made_ambiguous(title=title, section_id=section.pk, procedure_id=procedure_id)
    if sources:
        raise AmbiguousTitle(
            f"Other sections have a procedure called “{title}”: [[{title}]] links in "
            f"{len(sources)} procedure{'s' if len(sources) != 1 else ''} would no longer know "
            "which one they mean. Confirm to go ahead, or choose another title.",
            sources=sources,
        )


def _free_slug(section: Section, wanted: str, *, procedure_id: int | None = None) -> str:
    base = slugify(wanted)[:190] or "procedure"
    taken = set(
        section.procedures.filter(slug__startswith=base)
        .exclude(pk=procedure_id)
        .order_by()
        .values_list("slug", flat=True)
    )
    taken |= RESERVED_SLUGS
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def procedure_create(
    *,
    section: Section,
    title: str,
    user: AbstractBaseUser,
    owner: AbstractBaseUser | None = None,
    slug: str = "",
    confirm_ambiguous: bool = False,
) -> Procedure:
    """Add a procedure at the end of a section, with a slug unique in that section (from
    `slug` if given, as an import keeps the paths [[links]] name; else from the title).
    A title the section has is refused; one that makes links ambiguous needs confirming."""
    _require(policy.can_create(user), "Only editors can add procedures.")
    title = _clean_title(title)
    locked = Section.objects.select_for_update(of=("self",)).select_related("volume")
    section = locked.get(pk=section.pk)
    _check_title(
        section=section, title=title, procedure_id=None, confirm_ambiguous=confirm_ambiguous
    )
    slug = _free_slug(section, slug or title)
    last = section.procedures.aggregate(last=Max("position"))["last"] or 0
    procedure = Procedure.objects.create(
        section=section, title=title, slug=slug, position=last + 1, owner=owner
    )
    # [[links]] that named it before it existed resolve; an old address there leads here.
    effects.procedure_moved(procedure, old_path=procedure.path, old_title=title)
    return procedure


def _record_procedure(
    *, procedure: Procedure, user: AbstractBaseUser, action: str, detail: str = "",
    comment: str = "",
) -> ProcedureEvent:  # fmt: skip
    return ProcedureEvent.objects.create(
        procedure=procedure, actor=user, action=action, detail=detail[:500], comment=comment
    )


def _lock_for_reorganising(procedure: Procedure, user: AbstractBaseUser) -> Procedure:
    refusal = policy.reorganise_refusal(user)
    _require(not refusal, refusal)
    return (
        Procedure.objects.select_for_update().select_related("section__volume").get(pk=procedure.pk)
    )


@transaction.atomic
def procedure_archive(*, procedure: Procedure, user: AbstractBaseUser, reason: str) -> Procedure:
    """Take an obsolete procedure out of the contents, lists and search; its history stays
    and its page, opened by URL, says it is archived, when, by whom and why."""
    procedure = _lock_for_reorganising(procedure, user)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("Say why it is archived (readers see the reason).", code="reason")
    if procedure.is_archived:
        raise WorkflowError(f"“{procedure.title}” is already archived.", code="archived")
    procedure.archived_at, procedure.archived_by = timezone.now(), user
    procedure.archive_reason = reason
    procedure.updated_at = procedure.archived_at
    procedure.save(update_fields=["archived_at", "archived_by", "archive_reason", "updated_at"])
    _record_procedure(
        procedure=procedure, user=user, action=ProcedureEvent.Action.ARCHIVED, comment=reason
    )
    effects.procedure_archived(procedure)
    return procedure


@transaction.atomic
def procedure_unarchive(*, procedure: Procedure, user: AbstractBaseUser) -> Procedure:
    """Bring an archived procedure back into the contents, lists and search."""
    procedure = _lock_for_reorganising(procedure, user)
    if not procedure.is_archived:
        raise WorkflowError(f"“{procedure.title}” is not archived.", code="not_archived")
    procedure.archived_at, procedure.archived_by, procedure.archive_reason = None, None, ""
    procedure.updated_at = timezone.now()
    procedure.save(update_fields=["archived_at", "archived_by", "archive_reason", "updated_at"])
    _record_procedure(procedure=procedure, user=user, action=ProcedureEvent.Action.UNARCHIVED)
    effects.procedure_archived(procedure)
    return procedure


@transaction.atomic
def procedure_rename_move(
    *,
    procedure: Procedure,
    user: AbstractBaseUser,
    title: str,
    section: Section,
    confirm_ambiguous: bool = False,
) -> Procedure:
    """Give a procedure a new title, or move it to the end of another section, or both. Its
    primary key (and so its history, acknowledgements, runs and review dates) stays; its old
    address redirects to the new one and `[[links]]` to its old title or path still resolve."""
    procedure = _lock_for_reorganising(procedure, user)
    if procedure.is_archived:
        raise WorkflowError(f"“{procedure.title}” is archived; restore it first.", code="archived")
    title = _clean_title(title)
    try:
        section = Section.objects.select_for_update().select_related("volume").get(pk=section.pk)
    except Section.DoesNotExist:
        raise WorkflowError("That section does not exist.", code="section") from None
    renamed, moved = title != procedure.title, section.pk != procedure.section_id
    if not (renamed or moved):
        raise WorkflowError("Nothing to change: same title, same section.", code="unchanged")
    _check_title(section=section, title=title, procedure_id=procedure.pk,
                 confirm_ambiguous=confirm_ambiguous)  # fmt: skip
    old_title, old_place, old_path = procedure.title, procedure.section, procedure.path
    if moved:
        last = section.procedures.aggregate(last=Max("position"))["last"] or 0
        procedure.section, procedure.position = section, last + 1
    wanted = title if renamed else procedure.slug
    procedure.slug = _free_slug(section, wanted, procedure_id=procedure.pk)
    procedure.title, procedure.updated_at = title, timezone.now()
    procedure.save(update_fields=["section", "position", "slug", "title", "updated_at"])
    if renamed:
        _record_procedure(procedure=procedure, user=user, action=PAction.RENAMED,
                          detail=f"from “{old_title}” to “{title}”")  # fmt: skip
    if moved:
        _record_procedure(procedure=procedure, user=user, action=PAction.MOVED,
                          detail=f"from {old_place} to {section}")  # fmt: skip
    effects.procedure_moved(procedure, old_path=old_path, old_title=old_title)
    return procedure


def _move_one_place(queryset, moving, direction: str) -> None:
    """Move `moving` one place up or down among the locked rows of `queryset` (in their
    order), numbering them 1..n."""
    rows = list(queryset.select_for_update().order_by("position", "pk"))
    if direction not in ("up", "down"):
        raise WorkflowError("Move up or down.", code="direction")
    index = rows.index(moving)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows):
        edge = "first" if direction == "up" else "last"
        raise WorkflowError(f"“{moving.title}” is already {edge}.", code="edge")
    rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows, 1):
        row.position = position
    queryset.model.objects.bulk_update(rows, ["position"])


@transaction.atomic
def procedure_reorder(*, procedure: Procedure, user: AbstractBaseUser, direction: str) -> Procedure:
    """Move a procedure one place up or down in its section (renumbering the section 1..n)."""
    procedure = _lock_for_reorganising(procedure, user)
    if procedure.is_archived:
        raise WorkflowError(f"“{procedure.title}” is archived: it has no place.", code="archived")
    # Archived procedures keep their number, out of sight: the order is of those in use.
    siblings = Procedure.objects.in_use().filter(section_id=procedure.section_id)
    _move_one_place(siblings, procedure, direction)
    _record_procedure(procedure=procedure, user=user, action=ProcedureEvent.Action.REORDERED,
                      detail=f"one place {direction} in {procedure.section}")  # fmt: skip
    effects.sections_reordered()
    return procedure


@transaction.atomic
def section_reorder(*, section: Section, user: AbstractBaseUser, direction: str) -> Section:
    """Move a section one place up or down in its volume (renumbering the volume 1..n)."""
    refusal = policy.reorganise_refusal(user)
    _require(not refusal, refusal)
    section = Section.objects.select_for_update().get(pk=section.pk)
    _move_one_place(Section.objects.filter(volume_id=section.volume_id), section, direction)
    effects.sections_reordered()
    return section


@transaction.atomic
def procedure_mark_template(*, procedure: Procedure, user: AbstractBaseUser, on: bool) -> Procedure:
    """Offer (or stop offering) an approved procedure's text as a template new procedures
    start from."""
    refusal = policy.templates_refusal(user)
    _require(not refusal, refusal)
    procedure = _lock_procedure(procedure.pk)
    if procedure.is_archived:
        raise WorkflowError(f"“{procedure.title}” is archived; restore it first.", code="archived")
    if on and procedure.current_revision_id is None:
        raise WorkflowError(f"“{procedure.title}” has no approved text to start from yet.",
                            code="unwritten")  # fmt: skip
    if procedure.is_template == on:
        state = "already" if on else "not"
        raise WorkflowError(f"“{procedure.title}” is {state} a template.", code="unchanged")
    procedure.is_template = on
    procedure.save(update_fields=["is_template"])
    action = PAction.TEMPLATE_MARKED if on else PAction.TEMPLATE_UNMARKED
    _record_procedure(procedure=procedure, user=user, action=action)
    effects.templates_changed()
    return procedure


@transaction.atomic
def section_set_default_template(
    *, section: Section, user: AbstractBaseUser, template: Procedure
) -> Section:
    """Make an approved procedure's text the one new procedures of the section start from (a
    copy: later approvals of the template do not change it until it is chosen again)."""
    refusal = policy.templates_refusal(user)
    _require(not refusal, refusal)
    section = Section.objects.select_for_update().select_related("volume").get(pk=section.pk)
    template = (
        Procedure.objects.published().select_related("current_revision", "section__volume")
        .filter(pk=template.pk).first()
    )  # fmt: skip
    if template is None:
        raise WorkflowError("That procedure has no approved text (or is archived).",
                            code="template")  # fmt: skip
    section.default_template = template.current_revision.body
    section.save(update_fields=["default_template"])
    _record_procedure(procedure=template, user=user, action=PAction.SECTION_DEFAULT,
                      detail=f"of {section}")  # fmt: skip
    effects.templates_changed()
    return section


# Revisions.


def _starting_text(procedure: Procedure, template: Procedure | None) -> str:
    """Return what a new draft starts from: the approved text; for a procedure not yet
    written, the chosen template's approved text, else its section's default template."""
    current = procedure.current_revision
    if template is not None:
        if current is not None:
            raise WorkflowError("Only a procedure not yet written starts from a template.",
                                code="template")  # fmt: skip
        if not template.is_template or template.current_revision is None:
            raise WorkflowError("That procedure is not a template with approved text.",
                                code="template")  # fmt: skip
        return template.current_revision.body
    if current is not None:
        return current.body
    return procedure.section.default_template


@transaction.atomic
def revision_start_draft(
    *, procedure: Procedure, user: AbstractBaseUser, template: Procedure | None = None
) -> Revision:
    """Return the user's open draft of the procedure, starting one from the approved text
    (or, for a procedure not yet written, a template: `template`, or its section's default)."""
    _require(policy.can_edit(user), "Only editors can edit procedures.")
    procedure = _lock_procedure(procedure.pk)
    draft = _open_draft(procedure, user)
    if draft is not None:
        return draft
    if procedure.is_archived:
        raise WorkflowError(
            f"“{procedure.title}” is archived; an approver can restore it to edit it.",
            code="archived",
        )
    draft = _new_draft(procedure=procedure, user=user, body=_starting_text(procedure, template))
    _record(
        revision=draft, procedure=procedure, user=user, action=Action.CREATED,
        to_status=Status.DRAFT,
    )  # fmt: skip
    return draft


@transaction.atomic
def revision_save_draft(
    *,
    revision: Revision,
    user: AbstractBaseUser,
    body: str,
    summary: str,
    expected_version: int,
    automatic: bool = False,
    change: str | None = None,
) -> Revision:
    """Save new text into the user's own draft, refusing a save from a stale form.

    An `automatic` save (the edit page's autosave, every few seconds of typing) records a
    "saved" event only when the revision's last event is not one already, so a typing
    session is one line of the trail rather than hundreds.
    """
    _require(policy.can_edit(user), "Only editors can edit procedures.")
    procedure, revision = _lock_revision(revision)
    _require(policy.is_author(revision, user), "Only its author can change a draft.")
    _require_state(revision, Status.DRAFT, doing="edited")
    check_body_size(body)
    _check_change(change)
    if revision.version != expected_version:
        raise StaleEdit(
            "This draft was saved from another window after you opened it. Your text was not "
            "saved; it is shown below beside the saved version so you can combine them.",
            current=revision,
        )
    revision.body = body
    render_body(revision)
    revision.summary = summary.strip()
    revision.change = change or revision.change
    revision.version += 1
    revision.updated_at = timezone.now()
    revision.save(
        update_fields=[
            "body", "body_html", "toc_html", "summary", "change", "version", "updated_at",
        ]
    )  # fmt: skip
    effects.text_written(revision)
    last = procedure.events.filter(revision=revision).order_by("-created_at", "-pk").first()
    if not (automatic and last is not None and last.action == Action.SAVED):
        _record(
            revision=revision, procedure=procedure, user=user, action=Action.SAVED,
            from_status=Status.DRAFT, to_status=Status.DRAFT,
        )  # fmt: skip
    return revision


@transaction.atomic
def revision_submit(
    *, revision: Revision, user: AbstractBaseUser, summary: str | None = None
) -> Revision:
    """Send the user's draft to the approvers."""
    _require(policy.can_edit(user), "Only editors can submit revisions.")
    procedure, revision = _lock_revision(revision)
    _require(policy.is_author(revision, user), "Only its author can submit a draft.")
    _require_state(revision, Status.DRAFT, doing="submitted")
    if summary is not None:
        revision.summary = summary.strip()
    if not revision.summary:
        raise WorkflowError("Say what changed and why before submitting.", code="summary")
    if has_conflict_markers(revision.body):
        raise WorkflowError(
            "The draft still holds marked conflicts (<<<<<<< ... >>>>>>>). Resolve them first.",
            code="conflicts",
        )
    revision.status = Status.IN_REVIEW
    revision.submitted_at = timezone.now()
    revision.save(update_fields=["status", "submitted_at", "summary"])
    _record(
        revision=revision, procedure=procedure, user=user, action=Action.SUBMITTED,
        from_status=Status.DRAFT, to_status=Status.IN_REVIEW, comment=revision.summary,
    )  # fmt: skip
    effects.revision_submitted(procedure=procedure, revision=revision, user=user)
    return revision


@transaction.atomic
def revision_save_and_submit(
    *,
    revision: Revision,
    user: AbstractBaseUser,
    body: str,
    summary: str,
    expected_version: int,
    change: str | None = None,
) -> Revision:
    """Save the edit form's text into the user's draft and submit it: both or neither."""
    revision = revision_save_draft(
        revision=revision, user=user, body=body, summary=summary,
        expected_version=expected_version, change=change,
    )  # fmt: skip
    return revision_submit(revision=revision, user=user)


@dataclass(frozen=True)
class SaveThenSubmitResult:
    """A draft saved from the edit form, then submitted if that was possible."""

    revision: Revision
    refusal: WorkflowError | NotAllowed | None


def revision_save_then_submit(
    *,
    revision: Revision,
    user: AbstractBaseUser,
    body: str,
    summary: str,
    expected_version: int,
    change: str | None = None,
) -> SaveThenSubmitResult:
    """Save the edit form's text into the user's draft, then submit it if it may be.

    Two transactions on purpose, as in revision_save_and_update: a submit refused for what
    the draft lacks (a summary, resolved conflicts) leaves the typed text saved, so leaving
    the page afterwards loses nothing. A stale form or a refused save still saves nothing.
    """
    revision = revision_save_draft(
        revision=revision, user=user, body=body, summary=summary,
        expected_version=expected_version, change=change,
    )  # fmt: skip
    try:
        submitted = revision_submit(revision=revision, user=user)
    except (WorkflowError, NotAllowed) as exc:
        return SaveThenSubmitResult(revision=revision, refusal=exc)
    return SaveThenSubmitResult(revision=submitted, refusal=None)


@transaction.atomic
def revision_withdraw(*, revision: Revision, user: AbstractBaseUser) -> Revision:
    """Take the user's revision back out of review into draft."""
    procedure, revision = _lock_revision(revision)
    _require(policy.is_author(revision, user), "Only its author can withdraw a revision.")
    _require_state(revision, Status.IN_REVIEW, doing="withdrawn")
    if _open_draft(procedure, user) is not None:
        raise WorkflowError(
            "You already have an open draft of this procedure. Submit or discard it first.",
            code="draft_exists",
        )
    revision.status = Status.DRAFT
    revision.submitted_at = None
    revision.version += 1
    revision.save(update_fields=["status", "submitted_at", "version"])
    _record(
        revision=revision, procedure=procedure, user=user, action=Action.WITHDRAWN,
        from_status=Status.IN_REVIEW, to_status=Status.DRAFT,
    )  # fmt: skip
    effects.work_changed()
    return revision


def _check_change(change: str | None) -> None:
    if change is not None and change not in Revision.Change.values:
        raise WorkflowError("Say whether this is a material or a minor change.", code="change")


def _approval_comment(revision: Revision, marked: str, comment: str) -> str:
    """Return the approval event's comment: what kind of change was approved, then the
    approver's own words."""
    kind = "Minor change" if revision.change == Revision.Change.MINOR else "Material change"
    if marked != revision.change:
        kind += f" (the author marked it {marked})"
    return f"{kind}. {comment}".strip()


def _check_reviewer(revision: Revision, user: AbstractBaseUser) -> None:
    refusal = policy.decision_refusal(revision, user)
    if refusal:
        raise NotAllowed(refusal)


@transaction.atomic
def revision_approve(
    *, revision: Revision, user: AbstractBaseUser, comment: str = "", change: str | None = None
) -> Revision:
    """Publish a revision in review: it becomes current, the previous one is superseded.

    `change`: the approver's word on whether it is a material or a minor change (None: as
    the author marked it); recorded on the revision and in the approval event."""
    procedure, revision = _lock_revision(revision)
    _check_reviewer(revision, user)
    _require_state(revision, Status.IN_REVIEW, doing="approved")
    _check_change(change)
    if revision.based_on_id != procedure.current_revision_id:
        raise OutOfDate(
            f"Revision {revision.number} is out of date: another revision was approved after "
            "it was started. Its author must bring it up to date before it can be approved.",
            revision=revision,
        )
    now = timezone.now()
    previous = procedure.current_revision
    if previous is not None:
        Revision.objects.filter(pk=previous.pk).update(status=Status.SUPERSEDED)
        _record(
            revision=previous, procedure=procedure, user=user, action=Action.SUPERSEDED,
            from_status=Status.APPROVED, to_status=Status.SUPERSEDED,
            comment=f"Superseded by revision {revision.number}",
        )  # fmt: skip
    marked = revision.change
    revision.status = Status.APPROVED
    revision.reviewer = user
    revision.reviewed_at = now
    revision.review_comment = comment.strip()
    revision.change = change or revision.change
    revision.save(update_fields=["status", "reviewer", "reviewed_at", "review_comment", "change"])
    procedure.current_revision = revision
    procedure.updated_at = now
    procedure.save(update_fields=["current_revision", "updated_at"])
    _record(
        revision=revision, procedure=procedure, user=user, action=Action.APPROVED,
        from_status=Status.IN_REVIEW, to_status=Status.APPROVED,
        comment=_approval_comment(revision, marked, revision.review_comment),
    )  # fmt: skip
    effects.revision_approved(procedure=procedure, revision=revision, user=user, previous=previous)
    return revision


@transaction.atomic
def revision_reject(*, revision: Revision, user: AbstractBaseUser, comment: str) -> Revision:
    """Send a revision in review back to its author, with the reason."""
    procedure, revision = _lock_revision(revision)
    _check_reviewer(revision, user)
    _require_state(revision, Status.IN_REVIEW, doing="rejected")
    comment = (comment or "").strip()
    if not comment:
        raise WorkflowError("Say why it is rejected: the author needs to know what to fix.",
                            code="comment")  # fmt: skip
    revision.status = Status.REJECTED
    revision.reviewer = user
    revision.reviewed_at = timezone.now()
    revision.review_comment = comment
    revision.save(update_fields=["status", "reviewer", "reviewed_at", "review_comment"])
    _record(
        revision=revision, procedure=procedure, user=user, action=Action.REJECTED,
        from_status=Status.IN_REVIEW, to_status=Status.REJECTED, comment=comment,
    )  # fmt: skip
    effects.revision_rejected(procedure=procedure, revision=revision, user=user)
    return revision


@transaction.atomic
def revision_restore(*, revision: Revision, user: AbstractBaseUser) -> Revision:
    """Start a new draft from an earlier revision's text (or a rejected one, to revise it)."""
    _require(policy.can_edit(user), "Only editors can restore revisions.")
    procedure, revision = _lock_revision(revision)
    _require(policy.can_see(revision, user), "You cannot see that revision.")
    if revision.status == Status.DRAFT:
        raise WorkflowError("A draft is still being written; it cannot be restored.",
                            code="illegal_transition")  # fmt: skip
    if _open_draft(procedure, user) is not None:
        raise WorkflowError(
            "You already have an open draft of this procedure. Submit or discard it first, "
            "so that nothing in it is lost.",
            code="draft_exists",
        )
    draft = _new_draft(
        procedure=procedure,
        user=user,
        body=revision.body,
        summary=revision.summary if revision.status == Status.REJECTED else "",
        # A rejected revision restored is being revised: its review shows the fix first.
        revises=revision if revision.status == Status.REJECTED else None,
    )
    _record(
        revision=draft, procedure=procedure, user=user, action=Action.RESTORED,
        to_status=Status.DRAFT, comment=f"From revision {revision.number}",
    )  # fmt: skip
    return draft


@transaction.atomic
def revision_discard(*, revision: Revision, user: AbstractBaseUser) -> None:
    """Delete the user's own draft; the audit trail keeps a line saying so."""
    procedure, revision = _lock_revision(revision)
    _require(policy.is_author(revision, user), "Only its author can discard a draft.")
    _require_state(revision, Status.DRAFT, doing="discarded")
    number = revision.number
    revision.delete()
    RevisionEvent.objects.create(
        procedure=procedure,
        revision=None,
        revision_number=number,
        actor=user,
        action=Action.DISCARDED,
        from_status=Status.DRAFT,
    )


@dataclass(frozen=True)
class MergeResult:
    revision: Revision
    conflicts: int


@transaction.atomic
def revision_update(*, revision: Revision, user: AbstractBaseUser) -> MergeResult:
    """Bring an out-of-date revision up to date with the approved text by a three-way merge.

    Changes that do not overlap are combined; overlapping ones are left marked in the
    draft for its author to resolve. A revision in review goes back to draft first.
    """
    procedure, revision = _lock_revision(revision)
    _require(policy.is_author(revision, user), "Only its author can bring a revision up to date.")
    _require_state(revision, Status.DRAFT, Status.IN_REVIEW, doing="brought up to date")
    current = procedure.current_revision
    if revision.based_on_id == procedure.current_revision_id or current is None:
        raise WorkflowError("This revision is already up to date.", code="up_to_date")
    if revision.status == Status.IN_REVIEW:
        if _open_draft(procedure, user) is not None:
            raise WorkflowError(
                "You already have an open draft of this procedure. Submit or discard it first.",
                code="draft_exists",
            )
        revision.status = Status.DRAFT
        revision.submitted_at = None
        _record(
            revision=revision, procedure=procedure, user=user, action=Action.WITHDRAWN,
            from_status=Status.IN_REVIEW, to_status=Status.DRAFT,
            comment="Withdrawn to bring it up to date",
        )  # fmt: skip
        effects.work_changed()
    base = revision.based_on.body if revision.based_on_id else ""
    merged, conflicts = merge_texts(
        base=base,
        ours=revision.body,
        theirs=current.body,
        theirs_label=f"approved revision {current.number}",
    )
    check_body_size(merged)
    revision.body = merged
    render_body(revision)
    revision.based_on = current
    revision.version += 1
    revision.updated_at = timezone.now()
    revision.save()
    effects.text_written(revision)
    _record(
        revision=revision, procedure=procedure, user=user, action=Action.MERGED,
        from_status=Status.DRAFT, to_status=Status.DRAFT,
        comment=(
            f"Merged approved revision {current.number}"
            + (f"; {conflicts} conflict(s) marked for resolving" if conflicts else "")
        ),
    )  # fmt: skip
    return MergeResult(revision=revision, conflicts=conflicts)


@dataclass(frozen=True)
class SaveAndUpdateResult:
    """A draft saved from the edit form, then brought up to date if that was possible."""

    revision: Revision
    merge: MergeResult | None
    refusal: WorkflowError | NotAllowed | None


def revision_save_and_update(
    *,
    revision: Revision,
    user: AbstractBaseUser,
    body: str,
    summary: str,
    expected_version: int,
    change: str | None = None,
) -> SaveAndUpdateResult:
    """Save the edit form's text into the user's draft, then bring the draft up to date.

    Two transactions on purpose: the typed text is saved (and stays saved) even when the
    merge is refused, so "Bring up to date" from the edit page never loses what was typed.
    """
    revision = revision_save_draft(
        revision=revision, user=user, body=body, summary=summary,
        expected_version=expected_version, change=change,
    )  # fmt: skip
    try:
        merge = revision_update(revision=revision, user=user)
    except (WorkflowError, NotAllowed) as exc:
        return SaveAndUpdateResult(revision=revision, merge=None, refusal=exc)
    return SaveAndUpdateResult(revision=merge.revision, merge=merge, refusal=None)


# A reader's own bookmarks: starred procedures and the ones read lately. Personal, so no
# revision event (nothing in the manual changed) and no cache version but the person's own.


@transaction.atomic
def procedure_favourite(*, procedure: Procedure, user: AbstractBaseUser, starred: bool) -> bool:
    """Star (or unstar) a procedure for this reader; return whether it is starred now."""
    if not policy.can_keep_bookmarks(user):
        raise NotAllowed("Only people who can read the manual keep favourites.")
    procedure = Procedure.objects.get(pk=procedure.pk)  # still there
    if starred:
        Favourite.objects.get_or_create(user=user, procedure=procedure)
    else:
        Favourite.objects.filter(user=user, procedure=procedure).delete()
    effects.favourites_changed(user.pk)
    return starred


@transaction.atomic
def procedure_record_view(*, procedure: Procedure, user: AbstractBaseUser) -> None:
    """Note that this reader opened the procedure's page; keep only their latest few."""
    if not policy.can_keep_bookmarks(user):
        raise NotAllowed("Only people who can read the manual have recently viewed pages.")
    RecentView.objects.update_or_create(
        user=user, procedure_id=procedure.pk, defaults={"viewed_at": timezone.now()}
    )
    keep = RecentView.objects.filter(user=user).order_by("-viewed_at", "-pk")[: RecentView.KEPT]
    RecentView.objects.filter(user=user).exclude(
        pk__in=list(keep.values_list("pk", flat=True))
    ).delete()
    effects.procedure_viewed(user.pk)
