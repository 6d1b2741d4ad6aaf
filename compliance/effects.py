"""What follows a change of owner, review cycle, acknowledgement rule, acknowledgement or
group membership: cached pages and people's reading states get new versions."""

from __future__ import annotations

import datetime
import uuid

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from procedures.workflow import effects

from . import cachekeys
from .models import GroupMembershipEvent


def review_cycle_changed() -> None:
    """Owners and review dates are shown on cached reading pages: give them a new version."""
    effects.manual_changed()


def acknowledgement_rules_changed() -> None:
    """Who must read what changed: procedure pages say so, and every reading state (built
    under the manual's version) is worked out again."""
    effects.manual_changed()


def _bump_people(person_ids) -> None:
    cache.set_many(
        {cachekeys.person_version(pk): uuid.uuid4().hex for pk in person_ids}, timeout=None
    )


def reading_changed(person_ids) -> None:
    """These people acknowledged something or changed groups: their reading state (menu count,
    procedure page panel) is worked out again; nobody else's. Now and once committed, as
    `procedures.caching.invalidate` does."""
    person_ids = list(person_ids)
    if not person_ids:
        return
    _bump_people(person_ids)
    transaction.on_commit(lambda: _bump_people(person_ids), robust=True)


def record_memberships(
    *, person_id: int, joined=(), left=(), at: datetime.datetime | None = None
) -> int:
    """Record that the person joined and left these groups (ids), unless the trail already
    says so: the people transitions and the admin's safety net may both report one change.
    Return how many events were written."""
    at = at or timezone.now()
    latest = {}
    for event in GroupMembershipEvent.objects.filter(
        person_id=person_id, group_id__in=[*joined, *left]
    ).order_by("at", "pk"):
        latest[event.group_id] = event.action
    Action = GroupMembershipEvent.Action
    rows = [
        GroupMembershipEvent(person_id=person_id, group_id=pk, action=action, at=at)
        for pks, action in ((joined, Action.JOINED), (left, Action.LEFT))
        for pk in pks
        if latest.get(pk) != action
    ]
    GroupMembershipEvent.objects.bulk_create(rows)
    if rows:
        reading_changed([person_id])
    return len(rows)
