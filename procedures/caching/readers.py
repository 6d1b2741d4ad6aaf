"""Each reader's starred procedures, as the procedure page's star needs them: one cache read.

The set is kept in the shared cache per person and forgotten when they star or unstar
(`workflow.effects.favourites_changed`), so a whole cached page gets its star filled in
without a query (`pages.fill`)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from ..models import Favourite


def _key(user_id: int) -> str:
    return f"procedures:favourites:{user_id}"


def favourite_ids(user_id: int | None) -> frozenset[int]:
    """Return the ids of the procedures this person starred (one query when not cached)."""
    if user_id is None:
        return frozenset()
    ids = cache.get(_key(user_id))
    if ids is None:
        ids = frozenset(
            Favourite.objects.filter(user_id=user_id).values_list("procedure_id", flat=True)
        )
        cache.set(_key(user_id), ids, timeout=None)
    return ids


def forget_favourites(user_id: int) -> None:
    """Forget the person's stars now and again after the transaction commits (a page read
    meanwhile may have cached the old set)."""
    cache.delete(_key(user_id))
    transaction.on_commit(lambda: cache.delete(_key(user_id)), robust=True)
