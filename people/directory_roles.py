"""The office's directory decides roles: groups (Entra ID, LDAP) mapped to the app's roles.

`SOP_DIRECTORY_GROUP_ROLES` names, for each directory group (its object id or its name, matched
without regard to case), the roles it gives: Readers, Editors, Approvers, administrators. The
directory manages exactly the roles that appear in that mapping: at each directory sign-in the
person is given the mapped roles of the groups they are in and loses the mapped roles of the
groups they have left; roles the mapping never names stay as an administrator set them in the
app. Someone in none of the mapped groups is refused (`SOP_DIRECTORY_UNMAPPED=refuse`, the
default) or made a reader (`SOP_DIRECTORY_UNMAPPED=reader`).

Every sign-in method calls `apply_directory_groups` with the groups the directory sent; the
change of roles is a transition (people.transitions.person_sync_directory_roles) and so an event.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured

from . import policy, transitions
from .errors import PeopleError

ADMINISTRATORS = "administrators"
ROLES = (*transitions.ROLE_GROUPS, ADMINISTRATORS)
# What may be written for each role in the setting.
ROLE_SPELLINGS = {
    **dict.fromkeys(("readers", "reader"), "Readers"),
    **dict.fromkeys(("editors", "editor"), "Editors"),
    **dict.fromkeys(("approvers", "approver"), "Approvers"),
    **dict.fromkeys(("administrators", "administrator", "admins", "admin"), ADMINISTRATORS),
}  # fmt: skip
UNMAPPED_CHOICES = ("refuse", "reader")


class DirectorySignInRefused(PeopleError):
    """The directory vouched for the person, but the site will not let them in."""


@dataclass(frozen=True)
class DirectoryRoles:
    """What a directory sign-in did to the person's roles."""

    roles: frozenset[str]  # the roles their groups give (administrators included)
    managed: frozenset[str]  # the roles the directory decides
    changed: bool  # whether their roles were different before


def _role(value: str, *, group: str) -> str:
    role = ROLE_SPELLINGS.get(str(value).strip().casefold())
    if role is None:
        raise ImproperlyConfigured(
            f"SOP_DIRECTORY_GROUP_ROLES: group {group!r} maps to {value!r}, which is not a role "
            f"(one of {', '.join(ROLES)})."
        )
    return role


def parse_group_roles(value: str | Mapping | None) -> dict[str, frozenset[str]]:
    """Return {casefolded group: roles} from the setting: a JSON object
    ({"SOP Editors": "Editors", "<object id>": ["Editors", "Approvers"]}) or
    "group=role;group=role" (one group may appear more than once)."""
    if not value:
        return {}
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise ImproperlyConfigured(f"SOP_DIRECTORY_GROUP_ROLES is not JSON: {exc}") from exc
        else:
            pairs = []
            for item in filter(None, (part.strip() for part in text.split(";"))):
                # rpartition: a group's name may hold "=" (an LDAP DN does), a role never does.
                group, equals, role = item.rpartition("=")
                if not equals or not group.strip():
                    raise ImproperlyConfigured(
                        f"SOP_DIRECTORY_GROUP_ROLES: {item!r} is not group=role."
                    )
                pairs.append((group, role))
            value = pairs
    items = value.items() if isinstance(value, Mapping) else value
    mapping: dict[str, set[str]] = {}
    for group, roles in items:
        group = str(group).strip()
        names = [roles] if isinstance(roles, str) else list(roles)
        if not group or not names:
            raise ImproperlyConfigured(f"SOP_DIRECTORY_GROUP_ROLES: empty entry {group!r}.")
        mapping.setdefault(group.casefold(), set()).update(
            _role(name, group=group) for name in names for name in str(name).split(",")
        )
    return {group: frozenset(roles) for group, roles in mapping.items()}


def unmapped_policy() -> str:
    """Return what happens to someone in none of the mapped groups: "refuse" or "reader"."""
    value = (getattr(settings, "SOP_DIRECTORY_UNMAPPED", "") or "refuse").strip().casefold()
    value = {"readers": "reader", "refused": "refuse"}.get(value, value)
    if value not in UNMAPPED_CHOICES:
        raise ImproperlyConfigured(
            f"SOP_DIRECTORY_UNMAPPED must be refuse or reader, not {value!r}."
        )
    return value


def group_roles() -> dict[str, frozenset[str]]:
    """Return the mapping in force (settings.SOP_DIRECTORY_GROUP_ROLES, parsed)."""
    return parse_group_roles(getattr(settings, "SOP_DIRECTORY_GROUP_ROLES", None))


def roles_for_groups(
    group_names_or_ids: Iterable[str], mapping: Mapping[str, frozenset[str]]
) -> frozenset[str]:
    """Return the roles the groups give under the mapping (empty: in no mapped group)."""
    roles: set[str] = set()
    for group in group_names_or_ids:
        roles |= mapping.get(str(group).strip().casefold(), frozenset())
    return frozenset(roles)


def apply_directory_groups(
    *, user: AbstractBaseUser, group_names_or_ids: Iterable[str], source: str
) -> DirectoryRoles:
    """Give the person the roles of their directory groups and take away the mapped roles of
    groups they left, recording an event when anything changed; `source` ("oidc", "ldap")
    says which directory. Raise DirectorySignInRefused, after taking the roles away, for
    someone in none of the mapped groups (unless SOP_DIRECTORY_UNMAPPED=reader), and for a
    deactivated person."""
    refusal = policy.directory_sign_in_refusal(user)
    if refusal:
        raise DirectorySignInRefused(refusal, code="deactivated")
    mapping = group_roles()
    managed = frozenset().union(*mapping.values())
    roles = roles_for_groups(list(group_names_or_ids), mapping)
    unmapped = not roles
    if unmapped and unmapped_policy() == "reader":
        roles, managed = frozenset({"Readers"}), managed | {"Readers"}
    changed = transitions.person_sync_directory_roles(
        person=user, roles=roles, managed=managed, source=source
    )
    user.refresh_from_db(fields=["is_staff", "is_superuser"])
    if not roles:
        raise DirectorySignInRefused(
            "Your account in the office's directory is in none of the groups that give access "
            "to the Operations Manual. Ask your administrator to add you to one.",
            code="unmapped",
        )
    return DirectoryRoles(roles=roles, managed=managed, changed=changed)
