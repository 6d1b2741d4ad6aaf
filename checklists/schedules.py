"""When a schedule's run is due: the period it belongs to and the day it starts on.

Monthly: the period is "2026-03" and the day is the month's first (…fourth, or last)
weekday of the schedule's. Weekly: the period is the ISO week, "2026-W10", and the day its
weekday of the schedule's. A run is due once its day has come; one run per period.
"""

from __future__ import annotations

import calendar
import datetime


def monthly_day(year: int, month: int, *, weekday: int, week_of_month: int) -> datetime.date:
    """Return the month's n-th (5: last) given weekday (0 = Monday)."""
    days = [
        day
        for day in calendar.Calendar().itermonthdates(year, month)
        if day.month == month and day.weekday() == weekday
    ]
    return days[-1] if week_of_month >= len(days) else days[week_of_month - 1]


def due_period(
    *, frequency: str, weekday: int, week_of_month: int, today: datetime.date
) -> tuple[str, datetime.date] | None:
    """Return (period, day) of the run due by `today` in today's period, or None before its day."""
    if frequency == "monthly":
        day = monthly_day(today.year, today.month, weekday=weekday, week_of_month=week_of_month)
        period = f"{today.year:04d}-{today.month:02d}"
    else:
        year, week, _ = today.isocalendar()
        day = datetime.date.fromisocalendar(year, week, weekday + 1)
        period = f"{year:04d}-W{week:02d}"
    return (period, day) if today >= day else None
