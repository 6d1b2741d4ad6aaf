"""Review dates: pure functions of dates and months, no models."""

from __future__ import annotations

import calendar
import datetime

DUE_SOON_DAYS = 30


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return `day` moved by `months` calendar months, kept to the month's last day
    (31 January + 1 month is 28 or 29 February)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def next_review_date(
    *, last_approved: datetime.date | None, last_reviewed: datetime.date | None, months: int
) -> datetime.date | None:
    """Return when the procedure is next due for review: the later of its last approval and
    its last confirmed review, plus the interval; None if it was never approved."""
    if last_approved is None:
        return None
    start = max(last_approved, last_reviewed) if last_reviewed else last_approved
    return add_months(start, months)


def review_state(due: datetime.date | None, *, today: datetime.date) -> str:
    """Return "overdue", "due" (within DUE_SOON_DAYS) or "current" ("" without a date)."""
    if due is None:
        return ""
    if due < today:
        return "overdue"
    if due <= today + datetime.timedelta(days=DUE_SOON_DAYS):
        return "due"
    return "current"
