"""Reads of people that several views share."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Prefetch, Q, QuerySet

from procedures.workflow import policy as workflow_policy

User = get_user_model()


def people() -> QuerySet:
    """Return everyone, active first, with their groups (one query for the groups)."""
    return User.objects.order_by("-is_active", "username").prefetch_related(
        Prefetch("groups", queryset=Group.objects.order_by("name"))
    )


def approvers_and_owners() -> tuple[list, list]:
    """Return (the active approvers, the active owners of procedures), names only."""
    fields = ("pk", "username", "first_name", "last_name")
    approvers = list(workflow_policy.approvers().order_by("username").only(*fields))
    owners = list(
        User.objects.filter(Q(is_active=True), ~Q(owned_procedures=None))
        .distinct()
        .order_by("username")
        .only(*fields)
    )
    return approvers, owners
