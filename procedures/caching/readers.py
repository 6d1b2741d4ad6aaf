"""Each reader's bookmarks, as the procedure page's star and the contents page's panel need
them: one cache read.

The person's starred procedures and the ones they read lately are kept together in the
shared cache per person (read in one query) and forgotten when they star or unstar
(`workflow.effects.favourites_changed`) or read a procedure (`effects.procedure_viewed`),
so a whole cached page gets its star and its panel filled in without a query (`pages.fill`)."""

from __future__ import annotations

from typing import NamedTuple

from django.core.cache import cache
from django.db import models, transaction

from ..models import Favourite, RecentView


class Bookmarks(NamedTuple):
    favourites: frozenset[int]  # procedure ids
    recent: tuple[int, ...]  # procedure ids, the latest read first


NONE = Bookmarks(frozenset(), ())


def _key(user_id: int) -> str:
    return f"procedures:bookmarks:{user_id}"


def _read(user_id: int) -> Bookmarks:
    """Read both lists in one query (a UNION: a star has no time of viewing)."""
    starred = (
        Favourite.objects.filter(user_id=user_id)
        .annotate(at=models.Value(None, output_field=models.DateTimeField()))
        .values_list("procedure_id", "at")
    )
    viewed = RecentView.objects.filter(user_id=user_id).values_list("procedure_id", "viewed_at")
    rows = list(starred.union(viewed, all=True))
    recent = sorted((row for row in rows if row[1] is not None), key=lambda r: r[1], reverse=True)
    return Bookmarks(frozenset(pk for pk, at in rows if at is None), tuple(pk for pk, _ in recent))


def bookmarks(user_id: int | None) -> Bookmarks:
    """Return this person's stars and recent reading (one query when not cached)."""
    if user_id is None:
        return NONE
    found = cache.get(_key(user_id))
    if found is None:
        found = _read(user_id)
        cache.set(_key(user_id), found, timeout=None)
    return found


def favourite_ids(user_id: int | None) -> frozenset[int]:
    """Return the ids of the procedures this person starred."""
    return bookmarks(user_id).favourites


def forget_favourites(user_id: int) -> None:
    """Forget the person's bookmarks now and again after the transaction commits (a page read
    meanwhile may have cached the old ones)."""
    cache.delete(_key(user_id))
    transaction.on_commit(lambda: cache.delete(_key(user_id)), robust=True)


def refresh_bookmarks(user_id: int) -> None:
    """After the transaction commits, read the person's bookmarks afresh into the cache (a
    visit noted by the page's beacon: the next page they open stays a warm one)."""

    def refresh():
        cache.set(_key(user_id), _read(user_id), timeout=None)

    cache.delete(_key(user_id))
    transaction.on_commit(refresh, robust=True)
