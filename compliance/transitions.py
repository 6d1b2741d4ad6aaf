"""Every change of a procedure's owner and review cycle, one function each.

Each runs in one transaction, locks the procedure row (`select_for_update`), asks the policy,
checks its input and the procedure's state, writes, records a `ReviewEvent`, and calls what
follows (`effects`): readers' cached pages show owners and review dates.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from procedures.models import Procedure

from . import effects, policy
from .errors import ReviewNotAllowed, ReviewRefused
from .models import MAX_COMMENT_LENGTH, MAX_INTERVAL_MONTHS, ProcedureReview, ReviewEvent


def _lock(procedure: Procedure) -> Procedure:
    return Procedure.objects.select_for_update().get(pk=procedure.pk)


def _name(user: AbstractBaseUser | None) -> str:
    return (user.get_full_name() or user.get_username()) if user else "nobody"


@transaction.atomic
def procedure_set_owner(
    *, procedure: Procedure, owner: AbstractBaseUser | None, user: AbstractBaseUser
) -> Procedure:
    """Give the procedure a new owner (None: nobody answers for it)."""
    procedure = _lock(procedure)
    if not policy.can_set_owner(procedure, user):
        raise ReviewNotAllowed("Only approvers can change a procedure's owner.")
    if owner is not None and not owner.is_active:
        raise ReviewRefused("The owner must be an active user.", code="owner")
    if procedure.owner_id == (owner.pk if owner else None):
        return procedure
    before = procedure.owner
    procedure.owner = owner
    procedure.updated_at = timezone.now()
    procedure.save(update_fields=["owner", "updated_at"])
    ReviewEvent.objects.create(
        procedure=procedure, revision_id=procedure.current_revision_id, actor=user,
        action=ReviewEvent.Action.OWNER_SET, detail=f"{_name(before)} → {_name(owner)}",
    )  # fmt: skip
    effects.review_cycle_changed()
    return procedure


@transaction.atomic
def procedure_set_review_interval(
    *, procedure: Procedure, months: int | None, user: AbstractBaseUser
) -> ProcedureReview:
    """Set how many months pass between reviews of the procedure (None: its section's)."""
    procedure = _lock(procedure)
    if not policy.can_set_interval(procedure, user):
        raise ReviewNotAllowed("Only approvers can change a procedure's review interval.")
    if months is not None and not 1 <= months <= MAX_INTERVAL_MONTHS:
        raise ReviewRefused(
            f"The review interval must be 1 to {MAX_INTERVAL_MONTHS} months.", code="interval"
        )
    review, _ = ProcedureReview.objects.select_for_update().get_or_create(procedure=procedure)
    if review.interval_months == months:
        return review
    before = review.interval_months
    review.interval_months = months
    review.save(update_fields=["interval_months"])
    ReviewEvent.objects.create(
        procedure=procedure, revision_id=procedure.current_revision_id, actor=user,
        action=ReviewEvent.Action.INTERVAL_SET,
        detail=f"{before or 'default'} → {months or 'default'} months",
    )  # fmt: skip
    effects.review_cycle_changed()
    return review


@transaction.atomic
def procedure_confirm_review(
    *, procedure: Procedure, comment: str, user: AbstractBaseUser
) -> ProcedureReview:
    """Record that the approved revision was read and is still right: no new revision,
    the next review date counts from now."""
    procedure = _lock(procedure)
    refusal = policy.confirm_refusal(procedure, user)
    if refusal:
        raise ReviewNotAllowed(refusal)
    if procedure.current_revision_id is None:
        raise ReviewRefused(
            "This procedure has no approved text yet; there is nothing to review.",
            code="not_published",
        )
    comment = comment.strip()
    if not comment:
        raise ReviewRefused("Say what you checked: a comment is required.", code="comment")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ReviewRefused(
            f"The comment is longer than {MAX_COMMENT_LENGTH:,} characters.", code="comment"
        )
    review, _ = ProcedureReview.objects.select_for_update().get_or_create(procedure=procedure)
    review.last_reviewed_at = timezone.now()
    review.last_reviewed_by = user
    review.last_reviewed_revision_id = procedure.current_revision_id
    review.save(update_fields=["last_reviewed_at", "last_reviewed_by", "last_reviewed_revision"])
    ReviewEvent.objects.create(
        procedure=procedure, revision_id=procedure.current_revision_id, actor=user,
        action=ReviewEvent.Action.CONFIRMED, comment=comment,
    )  # fmt: skip
    effects.review_cycle_changed()
    return review
