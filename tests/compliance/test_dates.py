"""Review dates: month arithmetic and which date counts."""

import datetime

import pytest

from compliance.dates import add_months, next_review_date, review_state

D = datetime.date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),  # over the year's end
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 5, 10), 120, D(2036, 5, 10)),
        (D(2026, 1, 1), 12, D(2027, 1, 1)),
    ],
)
def test_add_months_keeps_to_the_months_last_day(start, months, expected):
    assert add_months(start, months) == expected


def test_the_later_of_approval_and_review_counts():
    approved, reviewed = D(2025, 1, 31), D(2025, 6, 30)
    assert next_review_date(last_approved=approved, last_reviewed=None, months=12) == D(2026, 1, 31)
    assert next_review_date(last_approved=approved, last_reviewed=reviewed, months=12) == D(
        2026, 6, 30
    )
    # A review recorded before a later approval does not hold the date back.
    assert next_review_date(
        last_approved=D(2025, 9, 1), last_reviewed=D(2025, 3, 1), months=1
    ) == D(2025, 10, 1)


def test_never_approved_has_no_review_date():
    assert next_review_date(last_approved=None, last_reviewed=D(2025, 1, 1), months=12) is None


def test_review_state():
    today = D(2026, 3, 1)
    assert review_state(None, today=today) == ""
    assert review_state(D(2026, 2, 28), today=today) == "overdue"
    assert review_state(today, today=today) == "due"
    assert review_state(D(2026, 3, 31), today=today) == "due"
    assert review_state(D(2026, 4, 1), today=today) == "current"
