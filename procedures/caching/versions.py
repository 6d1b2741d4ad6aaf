"""Versions of what pages show, kept in the shared default cache: the one invalidation API.

Every cached thing carries in its key the versions of what it was built from, so nothing is
ever deleted: a new version makes every old entry unreachable, in every process on every host
that shares the default cache (Redis, or the file cache on one host).

- `MANUAL`: the table of contents and everything a reading page shows (volumes, sections,
  procedures, approved text, the names of owners and approvers).
- `WORK`: work in review (which procedures have a revision waiting, its number and author).
- `PERMISSIONS`: every user's permission set (`procedures.auth`).

`invalidate(*names)` gives each a new version at once and again once the transaction commits,
so that a request that read the old rows in between cannot keep them under the new version.
`workflow.effects` calls it after every change; nothing else should need to.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction

MANUAL = "manual"
WORK = "work"
PERMISSIONS = "permissions"
NAMES = (MANUAL, WORK, PERMISSIONS)


def _key(name: str) -> str:
    return f"procedures:{name}-version"


def key(name: str) -> str:
    """Return the cache key under which the version `name` is kept, for a reader that fetches
    versions together with what was built from them in one `cache.get_many`."""
    if name not in NAMES:
        raise ValueError(f"Unknown cache version: {name}")
    return _key(name)


def current(name: str) -> str:
    """Return the current version of `name`, making one if the cache has none."""
    key = _key(name)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key)
    return version


def _bump(*names: str) -> None:
    cache.set_many({_key(name): uuid.uuid4().hex for name in names}, timeout=None)


def invalidate(*names: str) -> None:
    """Give each named version a new value now and again after the transaction commits."""
    unknown = set(names) - set(NAMES)
    if unknown:
        raise ValueError(f"Unknown cache versions: {', '.join(sorted(unknown))}")
    _bump(*names)
    transaction.on_commit(lambda: _bump(*names), robust=True)
