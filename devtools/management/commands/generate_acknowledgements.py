"""Fill the database with people, groups and read acknowledgements, for the compliance
report's benchmark.

`generate_acknowledgements --people N --seed S` adds N readers (`ack-reader-<n>`), four
groups with dated joining records, an acknowledgement requirement on every section that has
none (every third asks everyone who may read, the others one group, 14 or 30 days or no due
date), and, for every approved or superseded revision of those sections' procedures, an
acknowledgement from about four in five of the people concerned, some days after its
approval. Run it after `generate_corpus`. The same seed gives the same records.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from compliance.models import Acknowledgement, AcknowledgementRequirement, GroupMembershipEvent
from procedures.models import Revision, Section

GROUPS = ["Technicians", "Service desk", "Projects", "Management"]
BATCH = 5000


class Command(BaseCommand):
    help = "Add readers, groups, acknowledgement requirements and acknowledgements (benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=200, help="How many readers (N).")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same records.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be added.")

    def handle(self, *args, people, seed, dry_run, **options):
        if not 1 <= people <= 100_000:
            raise CommandError("--people must be 1..100000.")
        sections = list(Section.objects.filter(acknowledgement_requirement__isnull=True))
        if dry_run:
            self.stdout.write(
                f"Would add {people} readers, {len(GROUPS)} groups and requirements on "
                f"{len(sections)} sections, with their acknowledgements."
            )
            return
        with transaction.atomic():
            added = self._generate(random.Random(seed), people, sections)
        self.stdout.write(
            f"Added {people} readers, requirements on {len(sections)} sections and "
            f"{added} acknowledgements."
        )

    def _generate(self, rng, count, sections) -> int:
        now = timezone.now()
        start = now - timedelta(days=3 * 365)
        groups = [Group.objects.get_or_create(name=name)[0] for name in GROUPS]
        User = get_user_model()
        first = User.objects.filter(username__startswith="ack-reader-").count()
        users = User.objects.bulk_create(
            User(username=f"ack-reader-{n}", email=f"ack-reader-{n}@example.test",
                 first_name="Reader", last_name=str(n), date_joined=start)
            for n in range(first, first + count)
        )  # fmt: skip
        membership, events = {}, []
        for user in users:
            for group in rng.sample(groups, rng.choice([1, 1, 2])):
                joined = start + timedelta(days=rng.randrange(3 * 365))
                membership.setdefault(user.pk, set()).add(group.pk)
                events.append(GroupMembershipEvent(person=user, group=group, action="joined",
                                                   at=joined))  # fmt: skip
        GroupMembershipEvent.objects.bulk_create(events, batch_size=BATCH)
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=e.person_id, group_id=e.group_id) for e in events
        )
        creator = users[0]
        asks: dict[int, int | None] = {}  # section id -> group id (None: everyone)
        for index, section in enumerate(sections):
            group = None if index % 3 == 0 else groups[index % len(groups)]
            requirement = AcknowledgementRequirement.objects.create(
                section=section, due_days=rng.choice([14, 30, None]), created_by=creator,
                created_at=start,
            )  # fmt: skip
            if group is not None:
                requirement.groups.add(group)
            asks[section.pk] = group.pk if group else None
        return self._acknowledge(rng, users, membership, asks, now)

    def _acknowledge(self, rng, users, membership, asks, now) -> int:
        revisions = Revision.objects.filter(
            procedure__section__in=list(asks),
            status__in=(Revision.Status.APPROVED, Revision.Status.SUPERSEDED),
        ).values_list("pk", "procedure_id", "procedure__section_id", "reviewed_at")
        pending, added = [], 0
        for revision_id, procedure_id, section_id, approved_at in revisions.iterator():
            group = asks[section_id]
            for user in users:
                if group is not None and group not in membership[user.pk]:
                    continue
                if rng.random() >= 0.8:
                    continue
                moment = min(now, approved_at + timedelta(hours=rng.randrange(1, 24 * 20)))
                pending.append(
                    Acknowledgement(
                        person_id=user.pk, procedure_id=procedure_id, revision_id=revision_id,
                        acknowledged_at=moment,
                    )
                )  # fmt: skip
                if len(pending) >= BATCH:
                    added += len(Acknowledgement.objects.bulk_create(pending))
                    pending = []
        added += len(Acknowledgement.objects.bulk_create(pending))
        return added
