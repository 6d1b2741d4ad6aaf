"""When a schedule's run is due: the period it belongs to and the day it starts on.

Monthly: the period is "2026-03" and the day is the month's first (…fourth, or last)
weekday of the schedule's. Weekly: the period is the ISO week, "2026-W10", and the day its
weekday of the schedule's. A run is due once its day has come; one run per period. A
schedule may start on a date: no run for a period whose day comes before it.
"""

from __future__ import annotations

import calendar
import datetime

FREQUENCIES = ("weekly", "monthly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKS_OF_MONTH = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "last"}


def monthly_day(year: int, month: int, *, weekday: int, week_of_month: int) -> datetime.date:
    """Return the month's n-th (5: last) given weekday (0 = Monday)."""
    days = [
        day
        for day in calendar.Calendar().itermonthdates(year, month)
        if day.month == month and day.weekday() == weekday
    ]
    return days[-1] if week_of_month >= len(days) else days[week_of_month - 1]


def recurrence_problem(*, frequency: str, weekday: int, week_of_month: int) -> str:
    """Return why this recurrence can never occur, or "" if it can."""
    if frequency not in FREQUENCIES:
        return f"{frequency!r} is not a recurrence: choose weekly or monthly."
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        return f"Day {weekday!r} can never occur: choose a day from Monday to Sunday."
    if frequency == "monthly" and (
        not isinstance(week_of_month, int) or week_of_month not in WEEKS_OF_MONTH
    ):
        return (
            f"Week {week_of_month!r} of a month can never occur: choose the first, second, "
            "third, fourth or last."
        )
    return ""


def describe(*, frequency: str, weekday: int, week_of_month: int) -> str:
    """Return the recurrence in words: "First Monday of each month", "Every Wednesday"."""
    if recurrence_problem(frequency=frequency, weekday=weekday, week_of_month=week_of_month):
        return "Never (not a valid recurrence)"
    if frequency == "weekly":
        return f"Every {WEEKDAYS[weekday]}"
    return f"{WEEKS_OF_MONTH[week_of_month].capitalize()} {WEEKDAYS[weekday]} of each month"


def period_of(
    *, frequency: str, weekday: int, week_of_month: int, date: datetime.date
) -> tuple[str, datetime.date]:
    """Return (period, day) of the period the date falls in, whether its day has come or not."""
    if frequency == "monthly":
        day = monthly_day(date.year, date.month, weekday=weekday, week_of_month=week_of_month)
        return f"{date.year:04d}-{date.month:02d}", day
    year, week, _ = date.isocalendar()
    return f"{year:04d}-W{week:02d}", datetime.date.fromisocalendar(year, week, weekday + 1)


def _next_period_start(frequency: str, date: datetime.date) -> datetime.date:
    if frequency == "monthly":
        return (date.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return date + datetime.timedelta(days=7 - date.weekday())


def due_period(
    *,
    frequency: str,
    weekday: int,
    week_of_month: int,
    today: datetime.date,
    starts_on: datetime.date | None = None,
) -> tuple[str, datetime.date] | None:
    """Return (period, day) of the run due by `today` in today's period, or None before its day
    (or when its day comes before the schedule's start)."""
    period, day = period_of(
        frequency=frequency, weekday=weekday, week_of_month=week_of_month, date=today
    )
    if today < day or (starts_on is not None and day < starts_on):
        return None
    return period, day


def next_run(
    *,
    frequency: str,
    weekday: int,
    week_of_month: int,
    today: datetime.date,
    starts_on: datetime.date | None = None,
    started: frozenset[str] | set[str] = frozenset(),
) -> tuple[str, datetime.date]:
    """Return (period, day) of the next run the schedule will start: the first period from
    today's (or the start's) whose day is not before the start and has no run yet. Its day
    may have passed already: the command starts it on its next pass."""
    probe = starts_on if starts_on is not None and starts_on > today else today
    while True:
        period, day = period_of(
            frequency=frequency, weekday=weekday, week_of_month=week_of_month, date=probe
        )
        if (starts_on is None or day >= starts_on) and period not in started:
            return period, day
        probe = _next_period_start(frequency, probe)
