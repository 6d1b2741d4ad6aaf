"""Permissions from the shared cache: the role-aware menu and buttons on every page, and the
check inside every workflow function, cost no query once a user's permission set is known.

Django's ModelBackend reads a user's permissions with two queries (their own and their
groups'), once per request. `CachedPermissionBackend` keeps the set in the default cache
(shared by all worker processes and hosts) under a key carrying `caching.PERMISSIONS`'s
version, which `workflow.effects.permissions_changed()` replaces whenever a change could alter
anyone's permissions (`procedures.signals` calls it for changes made through Django: group
membership, a group's or a user's permissions, a user's save). So a user taken out of Editors
is refused on their next request, by any worker. Entries also expire after
`SOP_PERMISSION_CACHE_SECONDS` (5 minutes by default), for writes that bypass Django.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from . import caching
from .workflow import policy


class CachedPermissionBackend(ModelBackend):
    """ModelBackend whose permission sets come from the shared cache when it has them, and
    whose passwords work only for those the policy lets sign in with one (SOP_LOCAL_LOGIN)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        # Refused like a wrong password: the same message, and django-axes counts it.
        return user if user is not None and policy.may_sign_in_with_password(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            key = f"procedures:permissions:{caching.current(caching.PERMISSIONS)}:{user_obj.pk}"
            permissions = cache.get(key)
            if permissions is None:
                permissions = super().get_all_permissions(user_obj)
                cache.set(key, permissions, timeout=settings.SOP_PERMISSION_CACHE_SECONDS)
            user_obj._perm_cache = permissions
        return user_obj._perm_cache
