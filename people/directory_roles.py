"""The directory's groups decide a directory user's roles, at every sign-in.

settings.SOP_DIRECTORY_GROUP_ROLES maps a directory group (its name, DN or id, compared
without regard to case) to one of the app's roles: "Readers", "Editors", "Approvers" or
"administrators". `apply_directory_groups` gives a person exactly the roles their groups map
to, adding and removing, so leaving "SOP Approvers" in the directory takes approval away at
the next sign-in. A person in none of the mapped groups is refused (DirectoryRefused), or made
a reader when settings.SOP_DIRECTORY_UNMAPPED is "reader". Every change is a PersonEvent,
recorded as people.transitions records its own, with no acting user (the directory acted).

Written the same on the LDAP and the OpenID Connect branches (issue 18); one is kept.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction

from procedures.workflow import effects

from . import policy, transitions
from .errors import NotAllowed

ADMINISTRATORS = "administrators"
ROLES = (*transitions.ROLE_GROUPS, ADMINISTRATORS)


class DirectoryRefused(NotAllowed):
    """The person is in none of the directory groups that give a role here."""


def group_roles() -> dict[str, str]:
    """Return the mapping {group, case-folded: role}, refusing a role that does not exist."""
    mapping = getattr(settings, "SOP_DIRECTORY_GROUP_ROLES", {}) or {}
    unknown = sorted({role for role in mapping.values() if role not in ROLES})
    if unknown:
        raise ValueError(
            f"SOP_DIRECTORY_GROUP_ROLES: no such role {', '.join(map(repr, unknown))}; "
            f"use one of {', '.join(ROLES)}"
        )
    return {str(group).casefold(): role for group, role in mapping.items()}


def roles_for(group_names_or_ids: Iterable[str]) -> set[str]:
    """Return the roles the groups map to (empty if none is mapped)."""
    mapping = group_roles()
    return {mapping[g.casefold()] for g in map(str, group_names_or_ids) if g.casefold() in mapping}


def apply_directory_groups(
    *, user: AbstractBaseUser, group_names_or_ids: Iterable[str], source: str
) -> AbstractBaseUser:
    """Give the user exactly the roles their directory groups map to; raise DirectoryRefused
    (after taking every role away) when none is mapped and unmapped people are refused."""
    roles = roles_for(group_names_or_ids)
    refused = not roles and getattr(settings, "SOP_DIRECTORY_UNMAPPED", "refuse") != "reader"
    if not roles and not refused:
        roles = {"Readers"}
    groups = [name for name in transitions.ROLE_GROUPS if name in roles]
    administrator = ADMINISTRATORS in roles
    with transaction.atomic():
        person = transitions._lock(user)
        held = person.groups.filter(name__in=transitions.ROLE_GROUPS)
        before_groups = sorted(held.values_list("name", flat=True))
        before = transitions._roles_text(before_groups, policy.is_administrator(person))
        after = transitions._roles_text(groups, administrator)
        if before != after:
            # Only the role groups: any other group given in the admin stays.
            person.groups.remove(*held.exclude(name__in=groups))
            person.groups.add(*Group.objects.filter(name__in=groups))
            fields = policy.administrator_fields(administrator)
            for field, value in fields.items():
                setattr(person, field, value)
                setattr(user, field, value)
            person.save(update_fields=list(fields))
            transitions._record(
                person=person, user=None, action=transitions.Action.ROLES_CHANGED,
                detail=f"{before} → {after} (from the {source} groups)",
            )  # fmt: skip
            effects.people_changed()
    if refused:
        raise DirectoryRefused(
            "Your directory account is in none of the groups that give access to the "
            "Operations Manual. Ask your administrator to add you to one."
        )
    return user
