"""Permissions from the shared cache: the role-aware menu and buttons on every page, and the
check inside every workflow function, cost no query once a user's permission set is known.

Django's ModelBackend reads a user's permissions with two queries (their own and their
groups'), once per request. `CachedPermissionBackend` keeps the set in the default cache
(shared by all worker processes) under a key carrying a version. The receivers below give a
new version whenever a change could alter anyone's permissions: group membership, a group's
or a user's permissions, a group or permission saved or deleted, and a user's save (active,
superuser, staff), except a login's save of `last_login`. So a user taken out of Editors is
refused on their next request, by any worker.

A bulk `QuerySet.update()` or raw SQL sends no signal; entries also expire after
`SOP_PERMISSION_CACHE_SECONDS` (5 minutes by default), and `permissions_changed()` can be
called directly.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .navigation import cache_version

VERSION_KEY = "procedures:permissions-version"


def permissions_version() -> str:
    return cache_version(VERSION_KEY)


def permissions_changed() -> None:
    """Forget every cached permission set: each is read again from the database."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


class CachedPermissionBackend(ModelBackend):
    """ModelBackend whose permission sets come from the shared cache when it has them."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            key = f"procedures:permissions:{permissions_version()}:{user_obj.pk}"
            permissions = cache.get(key)
            if permissions is None:
                permissions = super().get_all_permissions(user_obj)
                cache.set(key, permissions, timeout=settings.SOP_PERMISSION_CACHE_SECONDS)
            user_obj._perm_cache = permissions
        return user_obj._perm_cache


def _changed(**kwargs) -> None:
    # Now, and again once the change is committed: a request that read the old rows in
    # between must not keep them under the new version.
    permissions_changed()
    transaction.on_commit(permissions_changed, robust=True)


def _user_saved(created=False, update_fields=None, **kwargs) -> None:
    if not created and (update_fields is None or set(update_fields) - {"last_login"}):
        _changed()


User = get_user_model()
for _through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
    m2m_changed.connect(_changed, sender=_through, dispatch_uid=f"permissions_{_through.__name__}")
for _model in (Group, Permission):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"permissions_saved_{_model.__name__}")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"permissions_gone_{_model.__name__}")
post_save.connect(_user_saved, sender=User, dispatch_uid="permissions_user_saved")
post_delete.connect(_changed, sender=User, dispatch_uid="permissions_user_gone")
