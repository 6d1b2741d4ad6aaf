"""Recurring runs: the day each period's run is due, and one run per period however often."""

import datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from checklists import transitions
from checklists.models import Run, Schedule
from checklists.schedules import due_period, monthly_day
from tests.factories import approved_revision
from tests.roles import make_user

from .helpers import BODY, make_client

D = datetime.date


def test_the_first_and_last_monday_of_a_month():
    assert monthly_day(2026, 3, weekday=0, week_of_month=1) == D(2026, 3, 2)
    assert monthly_day(2026, 3, weekday=0, week_of_month=5) == D(2026, 3, 30)
    assert monthly_day(2026, 2, weekday=6, week_of_month=4) == D(2026, 2, 22)


def test_a_period_is_due_from_its_day():
    monthly = {"frequency": "monthly", "weekday": 0, "week_of_month": 1}
    assert due_period(**monthly, today=D(2026, 3, 1)) is None
    assert due_period(**monthly, today=D(2026, 3, 2)) == ("2026-03", D(2026, 3, 2))
    assert due_period(**monthly, today=D(2026, 3, 31)) == ("2026-03", D(2026, 3, 2))
    weekly = {"frequency": "weekly", "weekday": 2, "week_of_month": 1}
    assert due_period(**weekly, today=D(2026, 3, 3)) is None
    assert due_period(**weekly, today=D(2026, 3, 6)) == ("2026-W10", D(2026, 3, 4))


@pytest.fixture
def schedule(db):
    approver = make_user("approver")
    revision = approved_revision(body=BODY)
    return Schedule.objects.create(
        client=make_client(), procedure=revision.procedure, frequency="monthly",
        weekday=0, week_of_month=1, created_by=approver,
    )  # fmt: skip


def test_the_command_starts_each_periods_run_once(schedule, capsys):
    call_command("create_scheduled_runs", date="2026-03-01")
    assert not Run.objects.exists()
    for _ in range(3):
        call_command("create_scheduled_runs", date="2026-03-09")
    run = Run.objects.get()
    assert (run.period, run.due_date, run.schedule) == ("2026-03", D(2026, 3, 2), schedule)
    assert run.steps.count() == 4
    call_command("create_scheduled_runs", date="2026-04-06")
    assert sorted(Run.objects.values_list("period", flat=True)) == ["2026-03", "2026-04"]
    assert "Started 1 run(s); 0 failed." in capsys.readouterr().out


def test_dry_run_starts_nothing(schedule, capsys):
    call_command("create_scheduled_runs", date="2026-03-09", dry_run=True)
    assert "Would start" in capsys.readouterr().out
    assert not Run.objects.exists()


def test_a_failing_schedule_is_reported(schedule, capsys):
    transitions.client_set_active(client=schedule.client, user=schedule.created_by, active=False)
    call_command("create_scheduled_runs", date="2026-03-09")
    assert "archived" in capsys.readouterr().err
    assert not Run.objects.exists()


def test_the_database_allows_one_run_per_schedule_and_period(schedule):
    transitions.schedule_start_due_run(schedule=schedule, today=D(2026, 3, 9))
    run = Run.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        transitions.run_start(
            revision=run.revision, client=run.client, user=schedule.created_by,
            schedule=schedule, period="2026-03",
        )  # fmt: skip
