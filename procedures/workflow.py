"""Every change of a procedure's revisions, one function per transition.

Each transition runs in one transaction, re-reads and locks the procedure row
(`select_for_update`, a real row lock on PostgreSQL; SQLite's IMMEDIATE transactions serialise
writers), checks who is acting and the current state, raises a domain error when either is
wrong, writes the change and records a `RevisionEvent`. Views only call these functions;
templates ask `allowed_actions()` which buttons to show, as a courtesy: the checks here are
the guard.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from merge3 import Merge3

from .models import Procedure, Revision, RevisionEvent, Section
from .search import index_procedure
from .wikilinks import refresh_links_to

logger = logging.getLogger(__name__)

Status = Revision.Status
Action = RevisionEvent.Action

EDIT_PERMISSION = "procedures.add_revision"
CREATE_PERMISSION = "procedures.add_procedure"
REVIEW_PERMISSION = "procedures.approve_revision"
CONFLICT_MARKERS = ("<<<<<<< ", "=======", ">>>>>>> ")
# Slugs a new procedure may not take: they name pages beside the procedures of a section.
RESERVED_SLUGS = {"new"}


# Domain errors. Views turn them into a message and a 4xx, never a 500.


class WorkflowError(ValidationError):
    """The transition is not possible in the revision's current state."""


class NotAllowed(PermissionDenied):
    """The acting user may not do this."""


class StaleEdit(WorkflowError):
    """The draft was saved meanwhile (another tab); the form's text was not saved."""

    def __init__(self, message: str, *, current: Revision):
        super().__init__(message, code="stale")
        self.current = current


class OutOfDate(WorkflowError):
    """Another revision was approved after this one started; it must be brought up to date."""

    def __init__(self, message: str, *, revision: Revision):
        super().__init__(message, code="out_of_date")
        self.revision = revision


# Who may do what.


def can_read(user: AbstractBaseUser) -> bool:
    """Return whether the user may read the manual (any active user)."""
    return bool(user.is_authenticated and user.is_active)


def can_edit(user: AbstractBaseUser) -> bool:
    """Return whether the user may write drafts (Editors, Approvers, superusers)."""
    return can_read(user) and user.has_perm(EDIT_PERMISSION)


def can_create(user: AbstractBaseUser) -> bool:
    """Return whether the user may add procedures to a section."""
    return can_read(user) and user.has_perm(CREATE_PERMISSION)


def can_review(user: AbstractBaseUser) -> bool:
    """Return whether the user may approve and reject revisions (Approvers, superusers)."""
    return can_read(user) and user.has_perm(REVIEW_PERMISSION)


def can_see(revision: Revision, user: AbstractBaseUser) -> bool:
    """Return whether the user may see this revision's text.

    Approved and superseded text is published history, open to every reader. Drafts are
    their author's; work in review and rejected work is visible to editors and approvers.
    """
    if not can_read(user):
        return False
    if revision.status in (Status.APPROVED, Status.SUPERSEDED):
        return True
    if revision.author_id == user.pk:
        return True
    if revision.status == Status.DRAFT:
        return False
    return can_edit(user) or can_review(user)


def self_approval_allowed() -> bool:
    return bool(getattr(settings, "SOP_ALLOW_SELF_APPROVAL", False))


def allowed_actions(revision: Revision, user: AbstractBaseUser) -> set[str]:
    """Return the names of the transitions the user may try on this revision now."""
    actions: set[str] = set()
    if not can_read(user):
        return actions
    own = revision.author_id == user.pk
    may_decide = can_review(user) and (not own or self_approval_allowed())
    if revision.status == Status.DRAFT and own and can_edit(user):
        actions |= {"save", "submit", "discard"}
        if revision.based_on_id != revision.procedure.current_revision_id:
            actions.add("update")
    elif revision.status == Status.IN_REVIEW:
        if own:
            actions.add("withdraw")
            if revision.based_on_id != revision.procedure.current_revision_id:
                actions.add("update")
        if may_decide:
            actions |= {"approve", "reject"}
    if revision.status != Status.DRAFT and can_edit(user) and can_see(revision, user):
        actions.add("restore")
    return actions


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
    *, procedure: Procedure, user: AbstractBaseUser, body: str, summary: str = ""
) -> Revision:
    return Revision.objects.create(
        procedure=procedure,
        number=_next_number(procedure),
        body=body,
        summary=summary,
        author=user,
        status=Status.DRAFT,
        based_on_id=procedure.current_revision_id,
    )


def has_conflict_markers(body: str) -> bool:
    """Return whether a body still holds the markers of an unresolved merge."""
    lines = body.splitlines()
    return any(line.startswith(CONFLICT_MARKERS[0]) for line in lines) and any(
        line.startswith(CONFLICT_MARKERS[2]) for line in lines
    )


def conflict_count(body: str) -> int:
    """Return how many marked conflicts a merged body still holds."""
    return sum(1 for line in body.splitlines() if line.startswith(CONFLICT_MARKERS[0]))


def preview_source(body: str) -> str:
    """Return the Markdown a preview renders for `body`: each side of a marked conflict in a
    box named after it. Left as they are, Markdown reads the marker lines as a heading
    underline (=======) and quotes (>>>>>>>), which hides what is in conflict."""
    if not has_conflict_markers(body):
        return body
    start, middle, end = CONFLICT_MARKERS
    out: list[str] = []
    conflict: list[str] | None = None  # the raw lines of the conflict being read
    sides: list[tuple[str, list[str]]] = []

    def box(label: str, lines: list[str]) -> list[str]:
        title = label.strip().replace('"', "'") or "one side"
        content = [f"    {line}" if line.strip() else "" for line in lines]
        return [
            "",
            f'!!! danger "Conflict: {title}"',
            *(content or ["    *(nothing on this side)*"]),
            "",
        ]

    for line in body.splitlines():
        if line.startswith(start):
            out.extend(conflict or [])  # an earlier start marker left without its end
            conflict, sides = [line], [(line[len(start) :], [])]
        elif conflict is None:
            out.append(line)
        elif line.rstrip() == middle and len(sides) == 1:
            conflict.append(line)
            sides.append(("", []))
        elif line.startswith(end) and len(sides) == 2:
            sides[1] = (line[len(end) :], sides[1][1])
            out.extend(line for label, lines in sides for line in box(label, lines))
            conflict = None
        else:
            conflict.append(line)
            sides[-1][1].append(line)
    out.extend(conflict or [])
    return "\n".join(out) + ("\n" if body.endswith("\n") else "")


def is_out_of_date(revision: Revision) -> bool:
    """Return whether another revision was approved after this one started."""
    return revision.is_open and revision.based_on_id != revision.procedure.current_revision_id


# Notifications: sent after the transaction commits; a failing mail server is logged and
# never fails or rolls back the transition.


def _absolute(path: str) -> str:
    base = getattr(settings, "SOP_SITE_URL", "").rstrip("/")
    return f"{base}{path}"


def _notify(subject: str, message: str, recipients: list[str]) -> None:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return

    def send() -> None:
        try:
            send_mail(subject, message, None, recipients, fail_silently=False)
        except Exception:
            logger.exception("Could not send %r to %s", subject, ", ".join(recipients))

    transaction.on_commit(send)


def _approver_emails(exclude: AbstractBaseUser) -> list[str]:
    User = get_user_model()
    approvers = User.objects.filter(is_active=True).filter(
        Q(is_superuser=True)
        | Q(groups__permissions__codename="approve_revision")
        | Q(user_permissions__codename="approve_revision")
    )
    return list(approvers.exclude(pk=exclude.pk).values_list("email", flat=True).distinct())


# Procedures.


@transaction.atomic
def procedure_create(
    *, section: Section, title: str, user: AbstractBaseUser, owner: AbstractBaseUser | None = None
) -> Procedure:
    """Add a procedure at the end of a section, with a slug unique in that section."""
    _require(can_create(user), "Only editors can add procedures.")
    title = title.strip()
    if not title:
        raise WorkflowError("A procedure needs a title.", code="required")
    section = Section.objects.select_for_update().get(pk=section.pk)
    base = slugify(title) or "procedure"
    taken = set(section.procedures.filter(slug__startswith=base).values_list("slug", flat=True))
    taken |= RESERVED_SLUGS
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    last = section.procedures.aggregate(last=Max("position"))["last"] or 0
    procedure = Procedure.objects.create(
        section=section, title=title, slug=slug, position=last + 1, owner=owner
    )
    refresh_links_to(procedure)  # [[links]] that named it before it existed now resolve
    return procedure


# Revisions.


@transaction.atomic
def revision_start_draft(*, procedure: Procedure, user: AbstractBaseUser) -> Revision:
    """Return the user's open draft of the procedure, starting one from the approved text."""
    _require(can_edit(user), "Only editors can edit procedures.")
    procedure = _lock_procedure(procedure.pk)
    draft = _open_draft(procedure, user)
    if draft is not None:
        return draft
    current = procedure.current_revision
    draft = _new_draft(procedure=procedure, user=user, body=current.body if current else "")
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
) -> Revision:
    """Save new text into the user's own draft, refusing a save from a stale form."""
    _require(can_edit(user), "Only editors can edit procedures.")
    procedure, revision = _lock_revision(revision)
    _require(revision.author_id == user.pk, "Only its author can change a draft.")
    _require_state(revision, Status.DRAFT, doing="edited")
    check_body_size(body)
    if revision.version != expected_version:
        raise StaleEdit(
            "This draft was saved from another window after you opened it. Your text was not "
            "saved; it is shown below beside the saved version so you can combine them.",
            current=revision,
        )
    revision.body = body
    revision.summary = summary.strip()
    revision.version += 1
    revision.updated_at = timezone.now()
    revision.save(update_fields=["body", "summary", "version", "updated_at"])
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
    _require(can_edit(user), "Only editors can submit revisions.")
    procedure, revision = _lock_revision(revision)
    _require(revision.author_id == user.pk, "Only its author can submit a draft.")
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
    _notify(
        f"Review requested: {procedure.title} (revision {revision.number})",
        f"{user.get_username()} submitted revision {revision.number} of "
        f"“{procedure.title}” for review.\n\nSummary: {revision.summary}\n\n"
        f"Review it: {_absolute(reverse('procedures:review', kwargs=revision.url_kwargs()))}\n",
        _approver_emails(exclude=user),
    )
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


@transaction.atomic
def revision_withdraw(*, revision: Revision, user: AbstractBaseUser) -> Revision:
    """Take the user's revision back out of review into draft."""
    procedure, revision = _lock_revision(revision)
    _require(revision.author_id == user.pk, "Only its author can withdraw a revision.")
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
    return revision


def _check_reviewer(revision: Revision, user: AbstractBaseUser) -> None:
    _require(can_review(user), "Only approvers can approve or reject revisions.")
    if revision.author_id == user.pk and not self_approval_allowed():
        raise NotAllowed(
            "Four-eyes rule: you cannot approve or reject your own revision. Ask another approver."
        )


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
    index_procedure(procedure)
    _record(
        revision=revision, procedure=procedure, user=user, action=Action.APPROVED,
        from_status=Status.IN_REVIEW, to_status=Status.APPROVED, comment=revision.review_comment,
    )  # fmt: skip
    _notify(
        f"Approved: {procedure.title} (revision {revision.number})",
        f"{user.get_username()} approved revision {revision.number} of “{procedure.title}”. "
        f"It is now the text everyone reads.\n\n"
        + (f"Comment: {revision.review_comment}\n\n" if revision.review_comment else "")
        + f"{_absolute(procedure.get_absolute_url())}\n",
        [revision.author.email],
    )
    _tell_out_of_date(procedure, approved=revision)
    return revision


def _tell_out_of_date(procedure: Procedure, *, approved: Revision) -> None:
    """Tell the authors of the procedure's other open work that it is now out of date."""
    for other in procedure.revisions.open().exclude(pk=approved.pk).select_related("author"):
        other.procedure = procedure
        _notify(
            f"Out of date: {procedure.title} (your revision {other.number})",
            f"Revision {approved.number} of “{procedure.title}” was approved after you "
            f"started revision {other.number}, so yours cannot be approved as it is. Open it "
            "and choose Bring up to date: the approved changes are merged into your text, "
            "and nothing you wrote is lost.\n\n"
            f"{_absolute(other.get_absolute_url())}\n",
            [other.author.email],
        )


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
    _notify(
        f"Changes requested: {procedure.title} (revision {revision.number})",
        f"{user.get_username()} rejected revision {revision.number} of “{procedure.title}”.\n\n"
        f"Comment: {comment}\n\n"
        f"Revise it: {_absolute(revision.get_absolute_url())}\n",
        [revision.author.email],
    )
    return revision


@transaction.atomic
def revision_restore(*, revision: Revision, user: AbstractBaseUser) -> Revision:
    """Start a new draft from an earlier revision's text (or a rejected one, to revise it)."""
    _require(can_edit(user), "Only editors can restore revisions.")
    procedure, revision = _lock_revision(revision)
    _require(can_see(revision, user), "You cannot see that revision.")
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
    _require(revision.author_id == user.pk, "Only its author can discard a draft.")
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


def merge_texts(*, base: str, ours: str, theirs: str, theirs_label: str) -> tuple[str, int]:
    """Three-way merge of line-based texts; return the result and its number of conflicts."""
    merger = Merge3(
        base.splitlines(keepends=True),
        ours.splitlines(keepends=True),
        theirs.splitlines(keepends=True),
    )
    conflicts = sum(1 for group in merger.merge_groups() if group[0] == "conflict")
    lines = merger.merge_lines(
        name_a="your draft",
        name_b=theirs_label,
        start_marker="<<<<<<<",
        mid_marker="=======",
        end_marker=">>>>>>>",
    )
    merged = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    if not ours.endswith("\n") and not theirs.endswith("\n") and merged.endswith("\n"):
        merged = merged[:-1]
    return merged, conflicts


@transaction.atomic
def revision_update(*, revision: Revision, user: AbstractBaseUser) -> MergeResult:
    """Bring an out-of-date revision up to date with the approved text by a three-way merge.

    Changes that do not overlap are combined; overlapping ones are left marked in the
    draft for its author to resolve. A revision in review goes back to draft first.
    """
    procedure, revision = _lock_revision(revision)
    _require(revision.author_id == user.pk, "Only its author can bring a revision up to date.")
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
    base = revision.based_on.body if revision.based_on_id else ""
    merged, conflicts = merge_texts(
        base=base,
        ours=revision.body,
        theirs=current.body,
        theirs_label=f"approved revision {current.number}",
    )
    check_body_size(merged)
    revision.body = merged
    revision.based_on = current
    revision.version += 1
    revision.updated_at = timezone.now()
    revision.save()
    _record(
        revision=revision, procedure=procedure, user=user, action=Action.MERGED,
        from_status=Status.DRAFT, to_status=Status.DRAFT,
        comment=(
            f"Merged approved revision {current.number}"
            + (f"; {conflicts} conflict(s) marked for resolving" if conflicts else "")
        ),
    )  # fmt: skip
    return MergeResult(revision=revision, conflicts=conflicts)
