"""Work in review as reading pages show it: which procedures have a newer revision waiting,
its number and author, never its text. Cached under the manual's and the work's versions."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse

from ..models import Revision
from .versions import MANUAL, WORK, current


@dataclass(frozen=True)
class PendingRevision:
    """A revision in review as reading pages name it: number and author, never its text."""

    pk: int
    number: int
    procedure_id: int
    author_id: int
    author_name: str
    procedure_url_kwargs: dict

    def url_kwargs(self) -> dict:
        return {**self.procedure_url_kwargs, "number": self.number}

    def get_absolute_url(self) -> str:
        return reverse("procedures:revision", kwargs=self.url_kwargs())


def in_review(manual: str | None = None) -> dict[int, list[PendingRevision]]:
    """Return the revisions in review by procedure id, each list by revision number.

    Cached under the manual's version (`manual`, if the caller has it) and the work's: one
    query after any revision or any name changed, none otherwise."""
    key = f"procedures:in-review:{manual or current(MANUAL)}:{current(WORK)}"
    pending = cache.get(key)
    if pending is None:
        pending = {}
        for revision in Revision.objects.awaiting_review().order_by("number"):
            author = revision.author
            pending.setdefault(revision.procedure_id, []).append(
                PendingRevision(
                    pk=revision.pk,
                    number=revision.number,
                    procedure_id=revision.procedure_id,
                    author_id=author.pk,
                    author_name=author.get_full_name() or author.get_username(),
                    procedure_url_kwargs=revision.procedure.url_kwargs(),
                )
            )
        cache.set(key, pending, timeout=24 * 3600)
    return pending
