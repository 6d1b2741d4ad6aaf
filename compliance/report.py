"""The compliance report: for each procedure that asks for acknowledgement and each person
concerned, whether they acknowledged its current revision, now or as of a past moment.

One `build()` serves every page and the CSV. It reads the procedures, their requirements,
the people, their groups, the revisions current then and the acknowledgements made by then
in a fixed number of queries, and joins them in Python, so the number of queries does not
grow with people or procedures. What the viewer may see is decided by the policy here, in
the data: a reader's report holds only their own rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from procedures.models import Procedure, Revision

from . import obligations, policy
from .models import Acknowledgement

ACKNOWLEDGED, OUTSTANDING, OVERDUE = "acknowledged", "outstanding", "overdue"


@dataclass(slots=True)
class Row:
    """One person and one procedure's revision they owe (or owed) acknowledgement of."""

    procedure: Procedure
    revision: Revision
    person: AbstractBaseUser
    group_ids: frozenset[int]
    groups: tuple[str, ...]
    required_since: datetime.datetime
    due: datetime.datetime | None
    acknowledged_at: datetime.datetime | None
    carried_from: int | None  # the revision number an acknowledgement was carried from
    status: str

    @property
    def overdue(self) -> bool:
        return self.status == OVERDUE


@dataclass
class Summary:
    """Counts over some rows: a procedure's, a person's or a group's."""

    subject: object
    acknowledged: int = 0
    outstanding: int = 0
    overdue: int = 0
    oldest: datetime.datetime | None = None  # the longest outstanding row's "required since"
    revision: Revision | None = None

    @property
    def total(self) -> int:
        return self.acknowledged + self.outstanding + self.overdue

    @property
    def percent(self) -> int:
        """Return the share acknowledged, rounded down (100 only when all are)."""
        return self.acknowledged * 100 // self.total if self.total else 100

    def add(self, row: Row) -> None:
        if row.status == ACKNOWLEDGED:
            self.acknowledged += 1
            return
        if row.status == OVERDUE:
            self.overdue += 1
        else:
            self.outstanding += 1
        if self.oldest is None or row.required_since < self.oldest:
            self.oldest = row.required_since


@dataclass
class Report:
    """The rows the viewer may see, with the moment they describe."""

    at: datetime.datetime
    as_of: bool
    everyone: bool  # whether the viewer sees everyone's rows or only their own
    rows: list[Row]
    groups: dict[int, str] = field(default_factory=dict)
    # Rows before "overdue only": group completion counts every row, not only the late ones.
    all_rows: list[Row] = field(default_factory=list)

    def by_procedure(self) -> list[Summary]:
        """Return one summary per procedure, in book order."""
        summaries: dict[int, Summary] = {}
        for row in self.rows:
            summary = summaries.get(row.procedure.pk)
            if summary is None:
                summary = summaries[row.procedure.pk] = Summary(row.procedure)
                summary.revision = row.revision
            summary.add(row)
        return list(summaries.values())

    def by_person(self) -> list[Summary]:
        """Return one summary per person, the most overdue first, then by name."""
        summaries: dict[int, Summary] = {}
        for row in self.rows:
            summaries.setdefault(row.person.pk, Summary(row.person)).add(row)
        return sorted(
            summaries.values(),
            key=lambda s: (-s.overdue, -s.outstanding, s.subject.get_username()),
        )

    def by_group(self) -> list[Summary]:
        """Return each group's completion, over every row of its members, by name."""
        summaries: dict[int, Summary] = {}
        for row in self.all_rows:
            for group_id in row.group_ids:
                summaries.setdefault(group_id, Summary(self.groups[group_id])).add(row)
        return sorted(summaries.values(), key=lambda s: s.subject.lower())


def _procedures(queryset: QuerySet, at: datetime.datetime | None) -> list[Procedure]:
    # Archived procedures ask nobody to read them: gone from the report as from the contents.
    queryset = queryset.published() if at is None else queryset.in_use()
    return list(queryset.with_place().in_book_order())


def _acknowledgements(revision_ids, person_ids, at) -> dict[tuple[int, int], tuple]:
    """Return (acknowledged at, carried from revision N) by (person id, revision id)."""
    found = Acknowledgement.objects.filter(revision_id__in=revision_ids, acknowledged_at__lte=at)
    if person_ids is not None:
        found = found.filter(person_id__in=person_ids)
    return {
        (person_id, revision_id): (moment, carried)
        for person_id, revision_id, moment, carried in found.values_list(
            "person_id", "revision_id", "acknowledged_at", "carried_from__revision__number"
        ).order_by()
    }


def _people(viewer, person, at) -> list:
    people = policy.visible_people(obligations.readers(at=at), viewer)
    if person is not None:
        people = [p for p in people if p.pk == person.pk]
    return people


def build(
    queryset: QuerySet,
    *,
    viewer: AbstractBaseUser,
    group_id: int | None = None,
    overdue_only: bool = False,
    as_of: datetime.datetime | None = None,
    person: AbstractBaseUser | None = None,
) -> Report:
    """Return the report over the procedures of `queryset` that ask for acknowledgement,
    for the people the viewer may see (optionally one person, or one group's members), now
    or as of a past moment."""
    at = as_of or timezone.now()
    everyone = policy.sees_everyones_acknowledgements(viewer)
    if not policy.can_see_compliance(viewer):
        return Report(at, as_of is not None, everyone, [])
    procedures = _procedures(queryset, as_of)
    rules = obligations.requirements(procedures)
    rules = {pk: rule for pk, rule in rules.items() if rule.created_at <= at}
    revisions = obligations.current_revisions([p for p in procedures if p.pk in rules], at=as_of)
    people = _people(viewer, person, as_of)
    person_ids = [p.pk for p in people] if not everyone or person is not None else None
    groups = obligations.memberships(person_ids, at=as_of)
    if group_id is not None:
        people = [p for p in people if group_id in groups.get(p.pk, {})]
    acknowledged = _acknowledgements([r.pk for r in revisions.values()], person_ids, at)
    names = obligations.group_names()
    people = [
        (p, groups.get(p.pk, {}), frozenset(groups.get(p.pk, {})),
         tuple(sorted((names[g] for g in groups.get(p.pk, {})), key=str.lower)))
        for p in people
    ]  # fmt: skip
    rows = list(_rows(procedures, rules, revisions, people, acknowledged, at))
    listed = [row for row in rows if row.overdue] if overdue_only else rows
    return Report(at, as_of is not None, everyone, listed, names, rows)


def _rows(procedures, rules, revisions, people, acknowledged, at) -> Iterable[Row]:
    # Who a requirement concerns, and since when they are in its groups, is the same for
    # every procedure it covers (a section's): worked out once per requirement.
    concerned: dict[int, list] = {}
    unknown = (None, None)
    for procedure in procedures:
        rule, revision = rules.get(procedure.pk), revisions.get(procedure.pk)
        if rule is None or revision is None:
            continue
        if rule.requirement_id not in concerned:
            concerned[rule.requirement_id] = [
                (person, group_ids, names, obligations.joined_at(rule, member_of))
                for person, member_of, group_ids, names in people
                if rule.concerns(group_ids)
            ]
        approved = revision.reviewed_at
        for person, group_ids, names, joined in concerned[rule.requirement_id]:
            since = obligations.required_since(approved_at=approved, joined=joined)
            due = obligations.due_at(approved_at=approved, joined=joined, due_days=rule.due_days)
            moment, carried = acknowledged.get((person.pk, revision.pk), unknown)
            if moment is not None:
                status = ACKNOWLEDGED
            elif due is not None and due < at:
                status = OVERDUE
            else:
                status = OUTSTANDING
            yield Row(
                procedure, revision, person, group_ids, names, since, due, moment, carried, status
            )
