"""Who must acknowledge what, since when and by when: the rules of read acknowledgement.

A procedure asks for acknowledgement when it, or its section, has an
`AcknowledgementRequirement`; the procedure's own wins over its section's. Concerned are the
people who may read (`procedures.workflow.can_read`: active accounts) and, when the
requirement names groups, are in one of them. A person owes the current revision from the
later of its approval and their joining of a required group; the due date is that plus the
requirement's `due_days` (none: no due date).

Everything here can be asked for one procedure (`requirement_for`, `concerned_people`,
`due_at`) or in bulk for the compliance report (`requirements`, `memberships`, `readers`),
in a fixed number of queries, either for now or as of a moment in the past, from the
records (revisions' approval times, `GroupMembershipEvent`, `PersonEvent`), not from
today's state.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group

from people.models import PersonEvent
from procedures import workflow
from procedures.models import Procedure, Revision

from . import policy
from .models import AcknowledgementRequirement, GroupMembershipEvent

Joined = GroupMembershipEvent.Action


@dataclass(frozen=True)
class Rule:
    """The requirement that applies to one procedure, reduced to what the rules need."""

    requirement_id: int
    group_ids: frozenset[int]  # empty: everyone who may read
    due_days: int | None
    created_at: datetime.datetime

    def concerns(self, person_groups: Iterable[int]) -> bool:
        """Return whether a reader in `person_groups` must acknowledge."""
        return not self.group_ids or not self.group_ids.isdisjoint(person_groups)


def _rule(requirement: AcknowledgementRequirement, group_ids: Iterable[int]) -> Rule:
    return Rule(requirement.pk, frozenset(group_ids), requirement.due_days, requirement.created_at)


def requirement_for(procedure: Procedure) -> AcknowledgementRequirement | None:
    """Return the requirement that applies to the procedure: its own, else its section's."""
    for owner in (procedure, procedure.section):
        try:
            return owner.acknowledgement_requirement
        except AcknowledgementRequirement.DoesNotExist:
            continue
    return None


def rule_for(procedure: Procedure) -> Rule | None:
    """Return the procedure's rule (two queries at most), or None if it asks for none."""
    requirement = requirement_for(procedure)
    if requirement is None:
        return None
    return _rule(requirement, requirement.groups.values_list("pk", flat=True))


def requirements(procedures: Iterable[Procedure]) -> dict[int, Rule]:
    """Return the rule of each procedure that asks for acknowledgement, by procedure id.

    Two queries, whatever the number of procedures."""
    procedures = list(procedures)
    section_ids = {procedure.section_id for procedure in procedures}
    found = AcknowledgementRequirement.objects.filter(
        procedure__in=[p.pk for p in procedures]
    ) | AcknowledgementRequirement.objects.filter(section__in=section_ids)
    found = list(found)
    groups: dict[int, set[int]] = {requirement.pk: set() for requirement in found}
    through = AcknowledgementRequirement.groups.through.objects.filter(
        acknowledgementrequirement__in=list(groups)
    )
    for requirement_id, group_id in through.values_list("acknowledgementrequirement", "group"):
        groups[requirement_id].add(group_id)
    own = {r.procedure_id: r for r in found if r.procedure_id}
    by_section = {r.section_id: r for r in found if r.section_id}
    rules = {}
    for procedure in procedures:
        requirement = own.get(procedure.pk) or by_section.get(procedure.section_id)
        if requirement is not None:
            rules[procedure.pk] = _rule(requirement, groups[requirement.pk])
    return rules


def readers(*, at: datetime.datetime | None = None) -> list:
    """Return the people who may read, now or (from their deactivation records) at `at`.

    One query now, two at `at`."""
    if at is None:
        return list(policy.readers())
    active = _active_at(at)
    users = get_user_model().objects.filter(date_joined__lte=at).order_by("pk")
    return [user for user in users if active(user)]


def _active_at(at: datetime.datetime):
    """Return a test of whether a person's account was active at `at`.

    The last deactivation or reactivation up to then says; without one, the first after
    then says the opposite; without any, the account is as it is today."""
    changes = (PersonEvent.Action.DEACTIVATED, PersonEvent.Action.REACTIVATED)
    before: dict[int, str] = {}
    after: dict[int, str] = {}
    for person_id, action, moment in (
        PersonEvent.objects.filter(action__in=changes)
        .order_by("at", "pk")
        .values_list("person_id", "action", "at")
    ):
        if moment <= at:
            before[person_id] = action
        else:
            after.setdefault(person_id, action)

    def active(user) -> bool:
        if user.pk in before:
            return before[user.pk] == PersonEvent.Action.REACTIVATED
        if user.pk in after:
            return after[user.pk] == PersonEvent.Action.DEACTIVATED
        return bool(user.is_active)

    return active


def memberships(
    person_ids: Iterable[int] | None = None, *, at: datetime.datetime | None = None
) -> dict[int, dict[int, datetime.datetime | None]]:
    """Return, per person id, the groups they are in with when they joined (None: no record).

    Now: Django's groups, with the time of the last "joined" event. At `at`: the groups the
    membership events say they were in then. One query each way."""
    events = GroupMembershipEvent.objects.order_by("at", "pk")
    through = get_user_model().groups.through.objects.all()
    if person_ids is not None:
        person_ids = list(person_ids)
        events = events.filter(person_id__in=person_ids)
        through = through.filter(user_id__in=person_ids)
    if at is not None:
        events = events.filter(at__lte=at)
    result: dict[int, dict[int, datetime.datetime | None]] = {}
    replayed: dict[tuple[int, int], datetime.datetime | None] = {}
    for person_id, group_id, action, moment in events.values_list(
        "person_id", "group_id", "action", "at"
    ):
        if action == Joined.JOINED:
            replayed[person_id, group_id] = moment
        else:
            replayed.pop((person_id, group_id), None)
    if at is not None:
        for (person_id, group_id), moment in replayed.items():
            result.setdefault(person_id, {})[group_id] = moment
        return result
    for person_id, group_id in through.values_list("user_id", "group_id"):
        result.setdefault(person_id, {})[group_id] = replayed.get((person_id, group_id))
    return result


def joined_at(rule: Rule, groups: dict[int, datetime.datetime | None]) -> datetime.datetime | None:
    """Return when a person in `groups` first became concerned through a required group
    (None: the requirement names no groups, or no record says when)."""
    times = [moment for group, moment in groups.items() if group in rule.group_ids and moment]
    return min(times) if times else None


def required_since(
    *, approved_at: datetime.datetime, joined: datetime.datetime | None
) -> datetime.datetime:
    """Return since when a person owes the revision: its approval, or their joining if later."""
    return max(approved_at, joined) if joined else approved_at


def due_at(
    *, approved_at: datetime.datetime, joined: datetime.datetime | None, due_days: int | None
) -> datetime.datetime | None:
    """Return by when the person must acknowledge, or None if the requirement sets no days."""
    if due_days is None:
        return None
    return required_since(approved_at=approved_at, joined=joined) + datetime.timedelta(
        days=due_days
    )


def concerned_people(procedure: Procedure, *, at: datetime.datetime | None = None) -> list:
    """Return the people who must acknowledge the procedure (now, or at `at`)."""
    rule = rule_for(procedure)
    if rule is None:
        return []
    people = readers(at=at)
    if not rule.group_ids:
        return people
    groups = memberships(at=at)
    return [person for person in people if rule.concerns(groups.get(person.pk, {}))]


def is_concerned(procedure: Procedure, user: AbstractBaseUser) -> bool:
    """Return whether the user must acknowledge the procedure now."""
    rule = rule_for(procedure)
    if rule is None or not workflow.can_read(user):
        return False
    return rule.concerns(memberships([user.pk]).get(user.pk, {}))


def current_revisions(
    procedures: Iterable[Procedure], *, at: datetime.datetime | None = None
) -> dict[int, Revision]:
    """Return the revision current for each procedure now or at `at`, by procedure id.

    A revision is current from its approval until the next one's approval supersedes it
    (the transition that approves one supersedes the other in the same moment, and records
    both in the RevisionEvent trail); so at `at` it is the one approved last by then. One
    query."""
    procedures = list(procedures)
    revisions = Revision.objects.only("pk", "procedure_id", "number", "reviewed_at", "change")
    if at is None:
        ids = [p.current_revision_id for p in procedures if p.current_revision_id]
        return {r.procedure_id: r for r in revisions.filter(pk__in=ids)}
    decided = revisions.filter(
        procedure__in=[p.pk for p in procedures],
        status__in=(Revision.Status.APPROVED, Revision.Status.SUPERSEDED),
        reviewed_at__lte=at,
    ).order_by("reviewed_at", "pk")
    return {revision.procedure_id: revision for revision in decided}


def group_names() -> dict[int, str]:
    """Return every group's name by id (one query)."""
    return dict(Group.objects.values_list("pk", "name"))
