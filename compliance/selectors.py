"""Reads of owners and review dates: one procedure's, the list of what is due, one owner's.

Each works over procedures fetched with their section's and their own review settings and
their approved revision's date in one query, and computes the dates in Python
(`dates.next_review_date`), so the number of queries does not grow with the manual.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from procedures.models import Procedure

from . import dates


@dataclass
class ReviewDates:
    """What a page says about a procedure's review cycle."""

    procedure: Procedure
    interval_months: int
    interval_from: str  # "procedure", "section" or "installation"
    last_approved: datetime.date | None
    last_reviewed: datetime.date | None
    next_review: datetime.date | None
    state: str = ""


def with_review_settings(queryset: QuerySet) -> QuerySet:
    """Return procedures with what their review dates are computed from, in the same query."""
    return queryset.select_related(
        "section__volume", "section__review_interval", "owner", "review",
        "review__last_reviewed_by", "current_revision",
    ).defer(
        "current_revision__body", "current_revision__body_html", "current_revision__toc_html"
    )  # fmt: skip


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def review_dates(procedure: Procedure, *, today: datetime.date | None = None) -> ReviewDates:
    """Return a procedure's interval (and where it comes from) and its review dates."""
    own = getattr(procedure, "review", None)
    section = getattr(procedure.section, "review_interval", None)
    if own is not None and own.interval_months:
        months, source = own.interval_months, "procedure"
    elif section is not None:
        months, source = section.months, "section"
    else:
        months, source = settings.SOP_REVIEW_INTERVAL_MONTHS, "installation"
    revision = procedure.current_revision
    last_approved = _local_date(revision.reviewed_at) if revision else None
    last_reviewed = _local_date(own.last_reviewed_at) if own is not None else None
    due = dates.next_review_date(
        last_approved=last_approved, last_reviewed=last_reviewed, months=months
    )
    return ReviewDates(
        procedure, months, source, last_approved, last_reviewed, due,
        dates.review_state(due, today=today or timezone.localdate()),
    )  # fmt: skip


def procedure_review(procedure_id: int) -> ReviewDates | None:
    """Return one procedure's review dates (one query), or None if it no longer exists."""
    procedure = with_review_settings(Procedure.objects.filter(pk=procedure_id)).first()
    return review_dates(procedure) if procedure else None


def due_for_review(queryset: QuerySet, *, today: datetime.date | None = None) -> list[ReviewDates]:
    """Return the approved procedures of `queryset` overdue or due within 30 days, the
    longest overdue first (one query)."""
    today = today or timezone.localdate()
    rows = [
        review_dates(procedure, today=today)
        for procedure in with_review_settings(queryset.published()).in_book_order()
    ]
    due = [row for row in rows if row.state in ("overdue", "due")]
    return sorted(due, key=lambda row: row.next_review)


def owned_due(user: AbstractBaseUser, *, today: datetime.date | None = None) -> list[ReviewDates]:
    """Return the user's own procedures overdue or due within 30 days."""
    if not user.is_authenticated:
        return []
    return due_for_review(Procedure.objects.filter(owner=user), today=today)


def digests(*, today: datetime.date | None = None) -> dict[AbstractBaseUser, list[ReviewDates]]:
    """Return, per active owner with an address, their procedures due for review."""
    queryset = Procedure.objects.filter(owner__is_active=True).exclude(owner__email="")
    by_owner: dict = {}
    for row in due_for_review(queryset, today=today):
        by_owner.setdefault(row.procedure.owner, []).append(row)
    return dict(sorted(by_owner.items(), key=lambda item: item[0].get_username()))


def review_trail(procedure: Procedure) -> QuerySet:
    """Return the procedure's review events, newest first, with who did them."""
    return procedure.review_events.select_related("actor", "revision")
