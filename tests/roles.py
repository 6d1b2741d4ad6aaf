"""The people the site knows, one per role, for tests that go through every role.

Issue 3's data migration creates the groups Readers, Editors and Approvers with their
permissions; `get_or_create` finds those (or, before that migration exists, makes bare
groups of the same names). To change what a role means, change ROLE_GROUPS here only.
"""

from django.contrib.auth.models import Group
from django.test import Client

from tests.factories import UserFactory

ROLES = ("anonymous", "reader", "editor", "approver", "superuser")
ROLE_GROUPS = {
    "reader": ["Readers"],
    "editor": ["Editors"],
    "approver": ["Approvers"],
    "superuser": [],
}
PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's


def make_user(role: str, username: str | None = None, **fields):
    """Return a user of `role` (None for anonymous), in that role's groups."""
    if role == "anonymous":
        return None
    if role == "superuser":
        fields.setdefault("is_superuser", True)
        fields.setdefault("is_staff", True)
    from tests.conftest import ensure_roles

    ensure_roles()
    user = UserFactory(username=username or f"{role}-user", **fields)
    for name in ROLE_GROUPS[role]:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def make_users() -> dict:
    """Return one user per role (anonymous: None), keyed by role."""
    return {role: make_user(role) for role in ROLES}


def client_as(user) -> Client:
    """Return a test client logged in as `user` (anonymous for None)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
