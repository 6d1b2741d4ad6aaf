"""A small acknowledgement history for the compliance report's tests, written as rows (the
acknowledge button is built elsewhere): Prudent Password Policies with revisions approved
in January, February (r4) and on 10 March 2026 (r5, a minor change carrying acknowledgements
forward), asked of Technicians within 14 days; and a section asking everyone, with no due
date.

People (Technicians unless said otherwise):
    tara    joined in December 2025; read r4 on 5 February; r5 carried from r4
    tom     joined on 20 February; read r4 on 2 March (after 1 March); has not read r5
    lena    joined on 15 March: not yet a Technician on 1 March
    ollie   joined on 5 January, left on 1 April: a Technician on 1 March, not today
    rita    a reader in no group
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.utils import timezone

from compliance.models import Acknowledgement, AcknowledgementRequirement, GroupMembershipEvent
from procedures.models import Procedure, Revision
from tests.factories import ProcedureFactory, RevisionFactory, SectionFactory, UserFactory

Status = Revision.Status


def at(month: int, day: int, hour: int = 12, year: int = 2026) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def history(procedure: Procedure, approvals: list[datetime.datetime], *, changes=None):
    """Give the procedure revisions 1..n approved at those moments, the last one current."""
    reviewer = UserFactory(username="approver-of-record", is_active=False)
    revisions = []
    for number, moment in enumerate(approvals, start=1):
        last = number == len(approvals)
        revisions.append(
            RevisionFactory(
                procedure=procedure, number=number, status=Status.APPROVED if last else
                Status.SUPERSEDED, reviewer=reviewer, reviewed_at=moment, submitted_at=moment,
                change=(changes or {}).get(number, Revision.Change.MATERIAL),
            )
        )  # fmt: skip
    procedure.current_revision = revisions[-1]
    procedure.save(update_fields=["current_revision"])
    return revisions


def member(person, group, joined, left=None):
    GroupMembershipEvent.objects.create(person=person, group=group, action="joined", at=joined)
    if left is None:
        person.groups.add(group)
    else:
        GroupMembershipEvent.objects.create(person=person, group=group, action="left", at=left)


def acknowledge(person, revision, moment, carried_from=None):
    return Acknowledgement.objects.create(
        person=person, procedure=revision.procedure, revision=revision, acknowledged_at=moment,
        carried_from=carried_from,
    )  # fmt: skip


@dataclass
class World:
    passwords: Procedure
    revisions: list[Revision]
    everyone: Procedure
    technicians: Group
    people: dict


def build_world(*, passwords_title="Prudent Password Policies") -> World:
    technicians = Group.objects.create(name="Technicians")
    people = {
        name: UserFactory(username=name, first_name=name.title(), last_name="Example")
        for name in ("tara", "tom", "lena", "ollie", "rita")
    }
    for person in people.values():  # all accounts exist since before the history starts
        type(person).objects.filter(pk=person.pk).update(date_joined=at(11, 1, year=2025))
    passwords = ProcedureFactory(title=passwords_title, slug="prudent-password-policies")
    revisions = history(
        passwords, [at(1, 2), at(1, 10), at(1, 20), at(2, 1), at(3, 10)],
        changes={5: Revision.Change.MINOR},
    )  # fmt: skip
    requirement = AcknowledgementRequirement.objects.create(
        procedure=passwords, due_days=14, created_by=people["rita"]
    )
    AcknowledgementRequirement.objects.filter(pk=requirement.pk).update(created_at=at(1, 1))
    requirement.groups.add(technicians)
    member(people["tara"], technicians, at(12, 1, year=2025))
    member(people["tom"], technicians, at(2, 20))
    member(people["lena"], technicians, at(3, 15))
    member(people["ollie"], technicians, at(1, 5), left=at(4, 1))
    r4, r5 = revisions[3], revisions[4]
    tara_r4 = acknowledge(people["tara"], r4, at(2, 5))
    acknowledge(people["tara"], r5, at(3, 10), carried_from=tara_r4)
    acknowledge(people["tom"], r4, at(3, 2))

    section = SectionFactory(title="Everyone's section")
    everyone = ProcedureFactory(section=section, title="Read Me First", slug="read-me-first")
    history(everyone, [at(2, 15)])
    section_rule = AcknowledgementRequirement.objects.create(
        section=section, created_by=people["rita"]
    )
    AcknowledgementRequirement.objects.filter(pk=section_rule.pk).update(created_at=at(1, 1))
    return World(passwords, revisions, everyone, technicians, people)
