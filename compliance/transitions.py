"""Every change of a procedure's owner and review cycle, and of read acknowledgements (who
must read what, an acknowledgement, carrying them across a minor change), one function each.

Each runs in one transaction, locks the procedure row (`select_for_update`), asks the policy,
checks its input and the procedure's state, writes, records a `ReviewEvent`, and calls what
follows (`effects`): readers' cached pages show owners and review dates.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from procedures.models import Procedure, Revision, Section

from . import effects, policy, reading
from .errors import AcknowledgementRefused, ReviewNotAllowed, ReviewRefused
from .models import (
    MAX_COMMENT_LENGTH,
    MAX_DUE_DAYS,
    MAX_INTERVAL_MONTHS,
    Acknowledgement,
    AcknowledgementRequirement,
    AcknowledgementRuleEvent,
    ProcedureReview,
    ReviewEvent,
)


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


# Read acknowledgements: the rules, the acknowledgement itself, and carrying acknowledgements
# across a minor change.


def _rule_text(groups, due_days: int | None) -> str:
    who = ", ".join(sorted(group.name for group in groups)) or "everyone"
    return f"{who}, within {due_days} days" if due_days else f"{who}, no due date"


def _scope(procedure: Procedure | None, section: Section | None) -> dict:
    if (procedure is None) == (section is None):
        raise ValueError("Give a procedure or a section, not both.")
    if procedure is not None:
        return {"procedure": _lock(procedure)}
    return {"section": Section.objects.select_for_update().get(pk=section.pk)}


@transaction.atomic
def acknowledgement_require(
    *,
    user: AbstractBaseUser,
    groups,
    due_days: int | None,
    procedure: Procedure | None = None,
    section: Section | None = None,
) -> AcknowledgementRequirement:
    """Require acknowledgement of a procedure, or of every procedure of a section, from these
    groups (none: everyone who may read), within `due_days` (None: no due date)."""
    scope = _scope(procedure, section)
    if not policy.can_require_acknowledgement(user):
        raise ReviewNotAllowed("Only approvers can require read acknowledgements.")
    if due_days is not None and not 1 <= due_days <= MAX_DUE_DAYS:
        raise ReviewRefused(f"Give 1 to {MAX_DUE_DAYS} days, or none.", code="due_days")
    groups = list(groups)
    rule = AcknowledgementRequirement.objects.select_for_update().filter(**scope).first()
    action = AcknowledgementRuleEvent.Action.CHANGED if rule else None
    if rule is None:
        rule = AcknowledgementRequirement(**scope, created_by=user)
        action = AcknowledgementRuleEvent.Action.REQUIRED
    elif {g.pk for g in rule.groups.all()} == {g.pk for g in groups} and (
        rule.due_days == due_days
    ):
        return rule
    rule.due_days = due_days
    rule.save()
    rule.groups.set(groups)
    AcknowledgementRuleEvent.objects.create(
        **scope, actor=user, action=action, detail=_rule_text(groups, due_days)
    )
    effects.acknowledgement_rules_changed()
    return rule


@transaction.atomic
def acknowledgement_unrequire(
    *, user: AbstractBaseUser, procedure: Procedure | None = None, section: Section | None = None
) -> None:
    """Stop requiring acknowledgement of the procedure or section (the records stay)."""
    scope = _scope(procedure, section)
    if not policy.can_require_acknowledgement(user):
        raise ReviewNotAllowed("Only approvers can change read acknowledgements.")
    rule = AcknowledgementRequirement.objects.select_for_update().filter(**scope).first()
    if rule is None:
        raise ReviewRefused("No read acknowledgement is required here.", code="no_rule")
    detail = _rule_text(rule.groups.all(), rule.due_days)
    rule.delete()
    AcknowledgementRuleEvent.objects.create(
        **scope, actor=user, action=AcknowledgementRuleEvent.Action.REMOVED,
        detail=f"was: {detail}",
    )  # fmt: skip
    effects.acknowledgement_rules_changed()


@transaction.atomic
def acknowledgement_record(
    *, procedure: Procedure, revision: Revision, user: AbstractBaseUser
) -> Acknowledgement:
    """Record that the user read and understood `revision` of the procedure: only its current
    approved revision, only if the procedure asks it of them, only once."""
    procedure = _lock(procedure)
    rule = reading.rule_for(procedure)
    group_ids = set(user.groups.values_list("pk", flat=True)) if user.is_authenticated else set()
    refusal = policy.acknowledgement_refusal(
        asked=rule is not None, concerned=reading.concerned_person(rule, user, group_ids),
        user=user,
    )  # fmt: skip
    if refusal and rule is None and user.is_authenticated:
        raise AcknowledgementRefused(refusal, code="not_asked")
    if refusal:
        raise ReviewNotAllowed(refusal)
    if revision.procedure_id != procedure.pk:
        raise AcknowledgementRefused(
            "That revision is not one of this procedure's.", code="revision"
        )
    if revision.pk != procedure.current_revision_id:
        current = procedure.current_revision
        raise AcknowledgementRefused(
            f"Revision {revision.number} is not the current approved text"
            + (f"; revision {current.number} is. Read that one and acknowledge it." if current
               else "."),
            code="not_current",
        )  # fmt: skip
    earlier = Acknowledgement.objects.filter(person=user, revision=revision).first()
    if earlier is not None:
        raise AcknowledgementRefused(
            f"You already acknowledged revision {revision.number} on "
            f"{timezone.localtime(earlier.acknowledged_at):%-d %b %Y at %H:%M}.",
            code="twice",
        )
    acknowledgement = Acknowledgement.objects.create(
        person=user, procedure=procedure, revision=revision
    )
    effects.reading_changed([user.pk])
    return acknowledgement


def acknowledgements_carry(
    *, procedure: Procedure, revision: Revision, previous: Revision | None
) -> int:
    """After a minor change was approved (in its transaction): carry every acknowledgement of
    the previous approved revision forward to the new one, saying it was carried; a material
    change carries nothing. Return how many were carried.

    A carried record's time is the approval's: "had X acknowledged revision 5 on 1 March?"
    must not answer yes before revision 5 existed. The original is its `carried_from`."""
    if previous is None or revision.change != Revision.Change.MINOR:
        return 0
    rows = [
        Acknowledgement(
            person_id=ack.person_id, procedure=procedure, revision=revision,
            acknowledged_at=revision.reviewed_at or timezone.now(), carried_from=ack,
        )
        for ack in Acknowledgement.objects.filter(revision=previous)
    ]  # fmt: skip
    Acknowledgement.objects.bulk_create(rows, ignore_conflicts=True)
    effects.reading_changed([row.person_id for row in rows])
    return len(rows)
