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

from ..linking import render_body
from ..models import Favourite, Procedure, RecentView, Revision, RevisionEvent, Section
from ..text.merge import has_conflict_markers, merge_texts
from . import effects, policy
from .errors import NotAllowed, OutOfDate, StaleEdit, WorkflowError

Status = Revision.Status
Action = RevisionEvent.Action

# Slugs a new procedure may not take: they name pages beside the procedures of a section.
RESERVED_SLUGS = {"new"}


# Helpers shared by the transitions.


def _lock_procedure(procedure_id: int) -> Procedure:
    return Procedure.objects.select_for_update().get(pk=procedure_id)


def _lock_revision(revision: Revision) -> tuple[Procedure, Revision]:
    """Lock the revision's procedure, then re-read the revision inside the transaction."""
    procedure = _lock_procedure(revision.procedure_id)
    fresh = Revision.objects.select_for_update().get(pk=revision.pk)
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
    return procedure.revisions.filter(author=user, status=Status.DRAFT).first()


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


@transaction.atomic
def procedure_create(
    *,
    section: Section,
    title: str,
    user: AbstractBaseUser,
    owner: AbstractBaseUser | None = None,
    slug: str = "",
) -> Procedure:
    """Add a procedure at the end of a section, with a slug unique in that section (from
    `slug` if given, as an import keeps the paths [[links]] name; else from the title)."""
    _require(policy.can_create(user), "Only editors can add procedures.")
    title = title.strip()
    if not title:
        raise WorkflowError("A procedure needs a title.", code="required")
    section = Section.objects.select_for_update().get(pk=section.pk)
    base = slugify(slug or title)[:190] or "procedure"
    taken = set(section.procedures.filter(slug__startswith=base).values_list("slug", flat=True))
    taken |= RESERVED_SLUGS
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    last = section.procedures.aggregate(last=Max("position"))["last"] or 0
    procedure = Procedure.objects.create(
        section=section, title=title, slug=slug, position=last + 1, owner=owner
    )
    effects.procedure_changed(procedure)  # [[links]] that named it before it existed resolve
    return procedure


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
    if revision.version != expected_version:
        raise StaleEdit(
            "This draft was saved from another window after you opened it. Your text was not "
            "saved; it is shown below beside the saved version so you can combine them.",
            current=revision,
        )
    revision.body = body
    render_body(revision)
    revision.summary = summary.strip()
    revision.version += 1
    revision.updated_at = timezone.now()
    revision.save(
        update_fields=["body", "body_html", "toc_html", "summary", "version", "updated_at"]
    )
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
) -> Revision:
    """Save the edit form's text into the user's draft and submit it: both or neither."""
    revision = revision_save_draft(
        revision=revision, user=user, body=body, summary=summary, expected_version=expected_version
    )
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
) -> SaveThenSubmitResult:
    """Save the edit form's text into the user's draft, then submit it if it may be.

    Two transactions on purpose, as in revision_save_and_update: a submit refused for what
    the draft lacks (a summary, resolved conflicts) leaves the typed text saved, so leaving
    the page afterwards loses nothing. A stale form or a refused save still saves nothing.
    """
    revision = revision_save_draft(
        revision=revision, user=user, body=body, summary=summary, expected_version=expected_version
    )
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


def _check_reviewer(revision: Revision, user: AbstractBaseUser) -> None:
    refusal = policy.decision_refusal(revision, user)
    if refusal:
        raise NotAllowed(refusal)


@transaction.atomic
def revision_approve(*, revision: Revision, user: AbstractBaseUser, comment: str = "") -> Revision:
    """Publish a revision in review: it becomes current, the previous one is superseded."""
    procedure, revision = _lock_revision(revision)
    _check_reviewer(revision, user)
    _require_state(revision, Status.IN_REVIEW, doing="approved")
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
    revision.status = Status.APPROVED
    revision.reviewer = user
    revision.reviewed_at = now
    revision.review_comment = comment.strip()
    revision.save(update_fields=["status", "reviewer", "reviewed_at", "review_comment"])
    procedure.current_revision = revision
    procedure.updated_at = now
    procedure.save(update_fields=["current_revision", "updated_at"])
    _record(
        revision=revision, procedure=procedure, user=user, action=Action.APPROVED,
        from_status=Status.IN_REVIEW, to_status=Status.APPROVED, comment=revision.review_comment,
    )  # fmt: skip
    effects.revision_approved(procedure=procedure, revision=revision, user=user)
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
) -> SaveAndUpdateResult:
    """Save the edit form's text into the user's draft, then bring the draft up to date.

    Two transactions on purpose: the typed text is saved (and stays saved) even when the
    merge is refused, so "Bring up to date" from the edit page never loses what was typed.
    """
    revision = revision_save_draft(
        revision=revision, user=user, body=body, summary=summary, expected_version=expected_version
    )
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
