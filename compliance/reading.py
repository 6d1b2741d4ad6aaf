"""Who must read what: acknowledgement rules, a person's reading state and "To read".

A procedure's own rule takes precedence over its section's. A rule with no groups asks
everyone who may read. Due date: the later of the current revision's approval and the
person's joining (of the rule's group, from `GroupMembershipEvent`; for a rule asking
everyone, of the site), plus the rule's days.

A person's state (what they are asked to read, their latest acknowledgement of each, and for
editors their rejected work to revise) is built in a few queries and cached in the shared
cache under the versions it depends on: the manual's (approvals, rules, groups and names all
give it a new one), work in review's (rejections) and the person's own (their acknowledgements).
Reading it is ONE `cache.get_many`, whatever the manual's size: the menu's count and the
procedure page's per-person panel both come from it.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from procedures import caching, workflow
from procedures.caching import versions
from procedures.models import Procedure, Revision

from . import cachekeys, policy
from .models import (
    Acknowledgement,
    AcknowledgementRequirement,
    AcknowledgementRuleEvent,
    GroupMembershipEvent,
)

Status = Revision.Status


@dataclass(frozen=True)
class Concern:
    """One approved procedure the person is asked to acknowledge, at its current revision."""

    procedure_id: int
    title: str
    place: str
    url: str
    url_kwargs: dict
    revision_id: int
    revision_number: int
    approved_at: datetime.datetime
    due: datetime.date | None


@dataclass(frozen=True)
class Read:
    """The person's latest acknowledgement of a procedure."""

    revision_id: int
    revision_number: int
    at: datetime.datetime
    carried: bool


@dataclass
class ReadingState:
    """What one person is asked to read and what they have read; cached as a whole."""

    concerns: dict[int, Concern] = field(default_factory=dict)
    reads: dict[int, Read] = field(default_factory=dict)
    rejected: int = 0
    versions: tuple = ()

    def outstanding(self, procedure_id: int) -> bool:
        concern = self.concerns.get(procedure_id)
        read = self.reads.get(procedure_id)
        return concern is not None and (read is None or read.revision_id != concern.revision_id)

    def to_read(self, *, today: datetime.date | None = None) -> list[dict]:
        """Return what is still to acknowledge: overdue first (longest overdue first), then
        the newest revisions first."""
        today = today or timezone.localdate()
        rows = [
            {"concern": c, "read": self.reads.get(pk), "overdue": bool(c.due and c.due < today)}
            for pk, c in self.concerns.items()
            if self.outstanding(pk)
        ]
        overdue = sorted((r for r in rows if r["overdue"]), key=lambda r: r["concern"].due)
        rest = sorted(
            (r for r in rows if not r["overdue"]),
            key=lambda r: r["concern"].approved_at,
            reverse=True,
        )
        return overdue + rest

    @property
    def count(self) -> int:
        return sum(1 for pk in self.concerns if self.outstanding(pk))


def rules() -> tuple[dict[int, AcknowledgementRequirement], dict[int, AcknowledgementRequirement]]:
    """Return every rule, by procedure and by section, with their groups (two queries)."""
    by_procedure, by_section = {}, {}
    for rule in AcknowledgementRequirement.objects.prefetch_related("groups"):
        if rule.procedure_id:
            by_procedure[rule.procedure_id] = rule
        else:
            by_section[rule.section_id] = rule
    return by_procedure, by_section


def rule_for(procedure: Procedure) -> AcknowledgementRequirement | None:
    """Return the rule that applies to a procedure: its own, else its section's."""
    return (
        AcknowledgementRequirement.objects.filter(
            Q(procedure=procedure) | Q(section_id=procedure.section_id)
        )
        .prefetch_related("groups")
        .order_by("section_id")  # the procedure's own (section empty) first
        .first()
    )


def group_joins(person: AbstractBaseUser) -> dict[int, datetime.datetime]:
    """Return when the person joined each group they are in now (as far as recorded)."""
    joined: dict[int, datetime.datetime] = {}
    events = GroupMembershipEvent.objects.filter(person=person).order_by("at", "pk")
    for event in events:
        if event.action == GroupMembershipEvent.Action.JOINED:
            joined[event.group_id] = event.at
        else:
            joined.pop(event.group_id, None)
    return joined


def due_date(
    *,
    rule: AcknowledgementRequirement,
    approved_at: datetime.datetime,
    person: AbstractBaseUser,
    group_ids: set[int],
    joins: dict[int, datetime.datetime],
) -> datetime.date | None:
    """Return when the person must have acknowledged the procedure under `rule`, or None."""
    if not rule.due_days:
        return None
    rule_groups = {group.pk for group in rule.groups.all()}
    if rule_groups:
        # They are concerned since the first of the rule's groups they joined.
        known = [joins[pk] for pk in rule_groups & group_ids if pk in joins]
        joined = min(known) if known else None
    else:
        joined = getattr(person, "date_joined", None)
    start = max(approved_at, joined) if joined else approved_at
    return timezone.localdate(start) + datetime.timedelta(days=rule.due_days)


def concerned_person(
    rule: AcknowledgementRequirement | None, person: AbstractBaseUser, group_ids: set[int]
) -> bool:
    """Return whether `rule` asks this person (a member of `group_ids`)."""
    if rule is None:
        return False
    rule_groups = {group.pk for group in rule.groups.all()}
    return policy.is_concerned(rule_group_ids=rule_groups, user=person, group_ids=group_ids)


def _concerns(person: AbstractBaseUser) -> dict[int, Concern]:
    by_procedure, by_section = rules()
    if not (by_procedure or by_section):
        return {}
    group_ids = set(person.groups.values_list("pk", flat=True))
    joins = group_joins(person)
    procedures = (
        Procedure.objects.published()
        .filter(Q(pk__in=by_procedure) | Q(section_id__in=by_section))
        .select_related("section__volume", "current_revision")
        .only(
            "title", "slug", "section__numeral", "section__title", "section__volume__number",
            "current_revision__number", "current_revision__reviewed_at",
        )
    )  # fmt: skip
    concerns = {}
    for procedure in procedures:
        rule = by_procedure.get(procedure.pk) or by_section.get(procedure.section_id)
        if not concerned_person(rule, person, group_ids):
            continue
        revision = procedure.current_revision
        approved_at = revision.reviewed_at or timezone.now()
        section = procedure.section
        concerns[procedure.pk] = Concern(
            procedure.pk, procedure.title,
            f"Volume {section.volume.number} · {section.numeral}. {section.title}",
            procedure.get_absolute_url(), procedure.url_kwargs(), revision.pk, revision.number,
            approved_at,
            due_date(rule=rule, approved_at=approved_at, person=person, group_ids=group_ids,
                     joins=joins),
        )  # fmt: skip
    return concerns


def latest_reads(person: AbstractBaseUser, procedure_ids) -> dict[int, Read]:
    """Return the person's latest acknowledgement of each of these procedures (one query)."""
    reads = {}
    rows = (
        Acknowledgement.objects.filter(person=person, procedure_id__in=list(procedure_ids))
        .select_related("revision")
        .only("procedure_id", "acknowledged_at", "carried_from_id", "revision__number")
        .order_by("acknowledged_at", "pk")
    )
    for ack in rows:
        reads[ack.procedure_id] = Read(
            ack.revision_id, ack.revision.number, ack.acknowledged_at, bool(ack.carried_from_id)
        )
    return reads


def rejected_to_revise(person: AbstractBaseUser) -> int:
    """Return how many of the person's rejected revisions they have not yet revised (one
    query; as My work lists them)."""
    submitted_since = Revision.objects.filter(
        procedure=OuterRef("procedure"), author=person, number__gt=OuterRef("number")
    ).exclude(status=Status.DRAFT)
    return (
        Revision.objects.filter(author=person, status=Status.REJECTED)
        .exclude(Exists(submitted_since))
        .count()
    )


def build_state(person: AbstractBaseUser) -> ReadingState:
    """Return the person's reading state, read from the database (a handful of queries)."""
    if not workflow.can_read(person):
        return ReadingState()
    concerns = _concerns(person)
    return ReadingState(
        concerns=concerns,
        reads=latest_reads(person, concerns) if concerns else {},
        rejected=rejected_to_revise(person) if workflow.can_edit(person) else 0,
    )


def _versions(person_id: int, got: dict) -> tuple:
    found = [got.get(versions.key(caching.MANUAL)), got.get(versions.key(caching.WORK))]
    if None in found:
        found = [caching.current(caching.MANUAL), caching.current(caching.WORK)]
    mine = got.get(cachekeys.person_version(person_id))
    if mine is None:
        cache.add(cachekeys.person_version(person_id), uuid.uuid4().hex, timeout=None)
        mine = cache.get(cachekeys.person_version(person_id))
    return (*found, mine)


def reading_state(person: AbstractBaseUser) -> ReadingState:
    """Return the person's reading state: one cache lookup when nothing it depends on changed,
    and at most once per request (kept on the request's user)."""
    if not getattr(person, "is_authenticated", False):
        return ReadingState()
    known = getattr(person, "_sop_reading_state", None)
    if known is not None:
        return known
    keys = [
        versions.key(caching.MANUAL), versions.key(caching.WORK),
        cachekeys.person_version(person.pk), cachekeys.reading_state(person.pk),
    ]  # fmt: skip
    got = cache.get_many(keys)
    current = _versions(person.pk, got)
    state = got.get(cachekeys.reading_state(person.pk))
    if not isinstance(state, ReadingState) or state.versions != current:
        state = build_state(person)
        state.versions = current
        cache.set(cachekeys.reading_state(person.pk), state, timeout=None)
    person._sop_reading_state = state
    return state


def rule_of_procedure(procedure_id: int) -> tuple[AcknowledgementRequirement | None, str]:
    """Return the rule that applies to a procedure and where it is set ("procedure" or
    "section"), or (None, "") (two queries)."""
    found = list(
        AcknowledgementRequirement.objects.filter(
            Q(procedure_id=procedure_id) | Q(section__procedures=procedure_id)
        ).prefetch_related("groups")
    )
    own = [rule for rule in found if rule.procedure_id]
    if own:
        return own[0], "procedure"
    return (found[0], "section") if found else (None, "")


def rule_trail(*, procedure=None, section=None):
    """Return the rule events of a procedure or a section, newest first, with their actors."""
    scope = {"procedure": procedure} if procedure is not None else {"section": section}
    return AcknowledgementRuleEvent.objects.filter(**scope).select_related("actor")[:50]
