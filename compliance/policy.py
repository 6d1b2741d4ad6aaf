"""Who may change a procedure's owner and review cycle: decided by asking procedures.workflow.

Approvers (who answer for what the manual says) set owners and intervals. The owner or an
approver may confirm that the approved text was read and is still right. Everyone who may
read the manual sees owners, review dates and the list of procedures due for review.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from people import policy as people_policy
from procedures import workflow
from procedures.models import Procedure


def can_see_reviews(user: AbstractBaseUser) -> bool:
    """Return whether the user may see review dates and what is due (every reader)."""
    return workflow.can_read(user)


def is_owner(procedure: Procedure, user: AbstractBaseUser) -> bool:
    """Return whether the user owns this procedure."""
    return bool(user.is_authenticated and procedure.owner_id == user.pk)


def can_set_owner(procedure: Procedure, user: AbstractBaseUser) -> bool:
    """Return whether the user may give the procedure a new owner (approvers)."""
    return workflow.can_review(user)


def can_set_interval(procedure: Procedure, user: AbstractBaseUser) -> bool:
    """Return whether the user may change the procedure's review interval (approvers)."""
    return workflow.can_review(user)


def confirm_refusal(procedure: Procedure, user: AbstractBaseUser) -> str:
    """Return why the user may not record "reviewed, no change", or "" if they may."""
    if not workflow.can_read(user):
        return "Log in to review procedures."
    if not (is_owner(procedure, user) or workflow.can_review(user)):
        return "Only the procedure's owner or an approver can confirm a review."
    return ""


def action_refusal(action: str, procedure: Procedure, user: AbstractBaseUser) -> str:
    """Return why the user may not do `action` ("owner", "interval", "confirm") to the
    procedure at all, whatever its state, or "" if they may."""
    if action == "owner":
        return "" if can_set_owner(procedure, user) else "Only approvers can change an owner."
    if action == "interval":
        if can_set_interval(procedure, user):
            return ""
        return "Only approvers can change a review interval."
    if action == "confirm":
        return confirm_refusal(procedure, user)
    raise ValueError(f"Unknown review action: {action}")


def allowed_review_actions(procedure: Procedure, user: AbstractBaseUser) -> set[str]:
    """Return which of "owner", "interval" and "confirm" the user may do to the procedure."""
    actions = set()
    if can_set_owner(procedure, user):
        actions.add("owner")
    if can_set_interval(procedure, user):
        actions.add("interval")
    if procedure.current_revision_id and not confirm_refusal(procedure, user):
        actions.add("confirm")
    return actions


# Read acknowledgements and the compliance report.


def readers() -> QuerySet:
    """Return the people who may read (`workflow.can_read`: active accounts), as a query."""
    return get_user_model().objects.filter(is_active=True)


def can_see_compliance(user: AbstractBaseUser) -> bool:
    """Return whether the user may open the compliance report (every reader: their own rows)."""
    return workflow.can_read(user)


def sees_everyones_acknowledgements(user: AbstractBaseUser) -> bool:
    """Return whether the report shows the user everyone's rows (approvers and
    administrators), not only their own."""
    return workflow.can_review(user) or people_policy.can_manage_people(user)


def can_see_acknowledgements_of(person: AbstractBaseUser, user: AbstractBaseUser) -> bool:
    """Return whether the user may see what `person` has acknowledged and owes."""
    if not can_see_compliance(user):
        return False
    return people_policy.is_self(person, user) or sees_everyones_acknowledgements(user)


def visible_people(people, user: AbstractBaseUser) -> list:
    """Return those of `people` whose acknowledgements the user may see (the report's rows)."""
    if sees_everyones_acknowledgements(user):
        return list(people)
    return [person for person in people if can_see_acknowledgements_of(person, user)]


# Read acknowledgements.


def can_require_acknowledgement(user: AbstractBaseUser) -> bool:
    """Return whether the user may say who must acknowledge a procedure or section (approvers)."""
    return workflow.can_review(user)


def is_concerned(*, rule_group_ids: set[int], user: AbstractBaseUser, group_ids: set[int]) -> bool:
    """Return whether a rule asking `rule_group_ids` (none: everyone who may read) asks the
    user, a member of `group_ids`, to acknowledge."""
    if not workflow.can_read(user):
        return False
    return not rule_group_ids or bool(rule_group_ids & group_ids)


def acknowledgement_refusal(*, asked: bool, concerned: bool, user: AbstractBaseUser) -> str:
    """Return why the user may not acknowledge a procedure (`asked`: it asks anyone at all;
    `concerned`: it asks them), or "" if they may."""
    if not workflow.can_read(user):
        return "Log in to acknowledge procedures."
    if not asked:
        return "This procedure asks for no read acknowledgement."
    if not concerned:
        return "This procedure's read acknowledgement is asked of other groups, not of you."
    return ""
