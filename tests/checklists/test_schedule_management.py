"""Schedules managed in the app: approvers make, change, pause, resume and end them (each a
transition with a ScheduleEvent); readers see them; bad input is a clear 4xx, text kept."""

import datetime
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.urls import reverse

from checklists import transitions
from checklists.errors import BadInput, NotAllowed, RunError
from checklists.models import Run, Schedule, ScheduleEvent
from checklists.schedules import describe, due_period, next_run, recurrence_problem
from checklists.selectors import with_next_runs
from tests.factories import ProcedureFactory, approved_revision
from tests.roles import client_as, make_user

from .helpers import BODY, make_client

D = datetime.date
MONTHLY = {"frequency": "monthly", "weekday": 0, "week_of_month": 1}


# The dates.


def test_recurrences_in_words():
    assert describe(**MONTHLY) == "First Monday of each month"
    assert describe(frequency="monthly", weekday=4, week_of_month=5) == "Last Friday of each month"
    assert describe(frequency="weekly", weekday=2, week_of_month=1) == "Every Wednesday"


@pytest.mark.parametrize(
    "plan",
    [
        {"frequency": "daily", "weekday": 0, "week_of_month": 1},
        {"frequency": "weekly", "weekday": 7, "week_of_month": 1},
        {"frequency": "monthly", "weekday": -1, "week_of_month": 1},
        {"frequency": "monthly", "weekday": 0, "week_of_month": 6},
        {"frequency": "monthly", "weekday": 0, "week_of_month": 0},
    ],
)
def test_a_recurrence_that_can_never_occur_is_named(plan):
    assert "never occur" in recurrence_problem(**plan) or "not a recurrence" in recurrence_problem(
        **plan
    )


def test_the_next_run_skips_a_started_period_and_waits_for_the_start():
    today = D(2026, 3, 10)
    assert next_run(**MONTHLY, today=today) == ("2026-03", D(2026, 3, 2))  # due, not started
    assert next_run(**MONTHLY, today=today, started={"2026-03"}) == ("2026-04", D(2026, 4, 6))
    assert next_run(**MONTHLY, today=today, starts_on=today) == ("2026-04", D(2026, 4, 6))
    assert next_run(**MONTHLY, today=today, starts_on=D(2026, 7, 1)) == ("2026-07", D(2026, 7, 6))
    weekly = {"frequency": "weekly", "weekday": 4, "week_of_month": 1}
    assert next_run(**weekly, today=today) == ("2026-W11", D(2026, 3, 13))
    assert next_run(**weekly, today=D(2026, 12, 31), started={"2026-W53"}) == (
        "2027-W01",
        D(2027, 1, 8),
    )


def test_no_run_for_a_period_whose_day_is_before_the_start():
    assert due_period(**MONTHLY, today=D(2026, 3, 20), starts_on=D(2026, 3, 10)) is None
    assert due_period(**MONTHLY, today=D(2026, 4, 6), starts_on=D(2026, 3, 10)) == (
        "2026-04",
        D(2026, 4, 6),
    )


# The transitions.


@pytest.fixture
def approver(db):
    return make_user("approver", username="boss")


@pytest.fixture
def reader(db):
    return make_user("reader", username="tech-1")


@pytest.fixture
def plan(db):
    revision = approved_revision(body=BODY)
    return {"client": make_client(), "procedure": revision.procedure, **MONTHLY}


def test_an_approver_makes_a_schedule_and_its_history_says_so(approver, reader, plan):
    schedule = transitions.schedule_create(user=approver, assignee=reader, **plan)
    assert (schedule.created_by, schedule.state, schedule.assignee) == (approver, "running", reader)
    event = schedule.events.get()
    assert (event.kind, event.user) == ("created", approver)
    assert "First Monday of each month · assigned to tech-1" in event.detail


def test_change_pause_resume_end_each_recorded(approver, plan):
    schedule = transitions.schedule_create(user=approver, **plan)
    schedule = transitions.schedule_update(
        schedule=schedule, user=approver, procedure=plan["procedure"], frequency="weekly",
        weekday=2, week_of_month=4,
    )  # fmt: skip
    assert (schedule.frequency, schedule.weekday, schedule.week_of_month) == ("weekly", 2, 1)
    schedule = transitions.schedule_pause(schedule=schedule, user=approver)
    assert schedule.state == "paused"
    with pytest.raises(RunError, match="paused already"):
        transitions.schedule_pause(schedule=schedule, user=approver)
    schedule = transitions.schedule_resume(schedule=schedule, user=approver)
    with pytest.raises(RunError, match="running already"):
        transitions.schedule_resume(schedule=schedule, user=approver)
    schedule = transitions.schedule_end(schedule=schedule, user=approver, reason="Contract over")
    assert (schedule.state, schedule.ended_by) == ("ended", approver)
    kinds = list(schedule.events.values_list("kind", "detail"))
    assert [k for k, _ in kinds] == ["created", "changed", "paused", "resumed", "ended"]
    assert "First Monday of each month" in kinds[1][1] and "Every Wednesday" in kinds[1][1]
    assert kinds[-1][1] == "Contract over"
    for change in (transitions.schedule_pause, transitions.schedule_resume):
        with pytest.raises(RunError, match="has ended"):
            change(schedule=schedule, user=approver)
    with pytest.raises(RunError, match="has ended"):
        transitions.schedule_update(
            schedule=schedule, user=approver, procedure=plan["procedure"], **MONTHLY
        )


def test_readers_may_not_change_schedules(approver, reader, plan):
    with pytest.raises(NotAllowed):
        transitions.schedule_create(user=reader, **plan)
    schedule = transitions.schedule_create(user=approver, **plan)
    changes = [
        lambda: transitions.schedule_pause(schedule=schedule, user=reader),
        lambda: transitions.schedule_end(schedule=schedule, user=reader),
        lambda: transitions.schedule_update(
            schedule=schedule, user=reader, procedure=plan["procedure"], **MONTHLY
        ),
    ]
    for change in changes:
        with pytest.raises(NotAllowed):
            change()
    transitions.schedule_pause(schedule=schedule, user=approver)
    with pytest.raises(NotAllowed):
        transitions.schedule_resume(schedule=schedule, user=reader)
    assert ScheduleEvent.objects.count() == 2  # created, paused: nothing of the reader's


def test_a_schedule_needs_an_approved_procedure_with_task_items(approver, plan):
    unwritten = ProcedureFactory(title="Not written yet")
    with pytest.raises(BadInput, match="“Not written yet” has no approved revision"):
        transitions.schedule_create(user=approver, **{**plan, "procedure": unwritten})
    prose = approved_revision(body="Just prose.").procedure
    with pytest.raises(BadInput, match="no task items"):
        transitions.schedule_create(user=approver, **{**plan, "procedure": prose})
    with pytest.raises(BadInput, match="never occur"):
        transitions.schedule_create(user=approver, **{**plan, "weekday": 9})
    transitions.client_set_active(client=plan["client"], user=approver, active=False)
    with pytest.raises(BadInput, match="archived"):
        transitions.schedule_create(user=approver, **plan)
    assert not Schedule.objects.exists()


def test_paused_ended_and_not_yet_started_schedules_start_no_runs(approver, plan):
    paused = transitions.schedule_create(user=approver, **plan)
    transitions.schedule_pause(schedule=paused, user=approver)
    ended = transitions.schedule_create(user=approver, **plan)
    transitions.schedule_end(schedule=ended, user=approver)
    later = transitions.schedule_create(user=approver, starts_on=D(2026, 3, 10), **plan)
    running = transitions.schedule_create(user=approver, **plan)
    call_command("create_scheduled_runs", date="2026-03-20")
    assert list(Run.objects.values_list("schedule", flat=True)) == [running.pk]
    call_command("create_scheduled_runs", date="2026-04-06")
    assert set(Run.objects.filter(period="2026-04").values_list("schedule", flat=True)) == {
        running.pk,
        later.pk,
    }


def test_the_next_run_of_each_schedule_in_two_queries(approver, plan, django_assert_num_queries):
    for _ in range(3):
        transitions.schedule_create(user=approver, **plan)
    schedule = Schedule.objects.first()
    transitions.schedule_start_due_run(schedule=schedule, today=D(2026, 3, 9))
    with django_assert_num_queries(2):
        listed = with_next_runs(Schedule.objects.for_list(), today=D(2026, 3, 9))
        assert [s.procedure.title for s in listed]  # the joined rows, no more queries
    days = {s.pk: s.next_day for s in listed}
    assert days[schedule.pk] == D(2026, 4, 6)  # March's is started
    assert set(days.values()) == {D(2026, 4, 6), D(2026, 3, 2)}


# The pages.


def form_data(plan, **changes):
    data = {
        "client": plan["client"].pk, "procedure": plan["procedure"].pk, "frequency": "monthly",
        "week_of_month": "1", "weekday": "0", "assignee": "", "starts_on": "",
    }  # fmt: skip
    return {**data, **changes}


def test_an_approver_adds_a_schedule_from_the_clients_page(approver, plan):
    browser = client_as(approver)
    client_page = browser.get(plan["client"].get_absolute_url()).content.decode()
    add = reverse("checklists:schedule_add") + "?client=ACME"
    assert add in client_page and "No schedules." in client_page
    form = browser.get(add).content.decode()
    assert f'<option value="{plan["client"].pk}" selected>' in form
    assert plan["procedure"].title in form
    response = browser.post(add, form_data(plan, weekday="4", week_of_month="5"))
    schedule = Schedule.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == schedule.get_absolute_url()
    page = browser.get(plan["client"].get_absolute_url()).content.decode()
    assert "Last Friday of each month" in page
    assert "schedule-next" in page and "<time datetime=" in page


def test_the_form_offers_approved_procedures_only(approver, plan):
    ProcedureFactory(title="Not written yet")
    form = client_as(approver).get(reverse("checklists:schedule_add")).content.decode()
    assert plan["procedure"].title in form
    assert "Not written yet" not in form


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weekday": "9"}, "day 9 can never occur"),
        ({"week_of_month": "6"}, "week 6 of a month can never occur"),
        ({"frequency": "daily"}, "daily can never occur"),
        ({"client": "999999"}, "That client does not exist or is archived."),
        ({"procedure": "999999"}, "That procedure does not exist."),
        ({"procedure": "abc"}, "That procedure does not exist."),
        ({"starts_on": "0000-01-01"}, "Enter a valid date."),
        ({"starts_on": "2999-01-01"}, "Give a date between 2000 and 2100."),
    ],
)
def test_bad_input_is_a_400_with_the_reason_and_the_text_kept(approver, plan, changes, message):
    response = client_as(approver).post(
        reverse("checklists:schedule_add"), form_data(plan, **changes)
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.content.decode()
    assert message in page
    assert f'<option value="{plan["procedure"].pk}" selected>' in page or "procedure" in changes
    assert not Schedule.objects.exists()


def test_a_procedure_without_approved_text_is_a_clear_form_error(approver, plan):
    unwritten = ProcedureFactory(title="Not written yet")
    response = client_as(approver).post(
        reverse("checklists:schedule_add"), form_data(plan, procedure=unwritten.pk, weekday="3")
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.content.decode()
    assert "“Not written yet” has no approved revision yet" in page
    assert '<option value="3" selected>Thursday</option>' in page  # what was chosen is kept


def test_edit_keeps_the_client_and_records_the_change(approver, reader, plan):
    schedule = transitions.schedule_create(user=approver, **plan)
    url = reverse("checklists:schedule_edit", kwargs={"pk": schedule.pk})
    browser = client_as(approver)
    form = browser.get(url).content.decode()
    assert 'name="client"' not in form
    other = make_client(name="Other", code="OTH")
    data = form_data(plan, client=other.pk, frequency="weekly", assignee=reader.pk)
    assert browser.post(url, data).status_code == HTTPStatus.FOUND
    schedule.refresh_from_db()
    assert (schedule.client, schedule.frequency, schedule.assignee) == (
        plan["client"],
        "weekly",
        reader,
    )
    page = browser.get(schedule.get_absolute_url()).content.decode()
    assert "Changed" in page and "Every Monday" in page


def test_readers_see_schedules_but_cannot_change_them(approver, reader, plan):
    schedule = transitions.schedule_create(user=approver, **plan)
    browser = client_as(reader)
    client_page = browser.get(plan["client"].get_absolute_url()).content.decode()
    assert schedule.get_absolute_url() in client_page
    assert "Add a schedule" not in client_page
    page = browser.get(schedule.get_absolute_url())
    assert page.status_code == HTTPStatus.OK
    assert "First Monday of each month" in page.content.decode()
    for button in ("Pause", "End the schedule", "Edit"):
        assert f">{button}<" not in page.content.decode()
    assert browser.get(reverse("checklists:schedule_add")).status_code == HTTPStatus.FORBIDDEN
    edit = reverse("checklists:schedule_edit", kwargs={"pk": schedule.pk})
    assert browser.get(edit).status_code == HTTPStatus.FORBIDDEN
    # A forged POST, valid as an approver's would be: refused by the transition.
    add = browser.post(reverse("checklists:schedule_add"), form_data(plan))
    assert add.status_code == HTTPStatus.FORBIDDEN
    assert browser.post(edit, form_data(plan, weekday="3")).status_code == HTTPStatus.FORBIDDEN
    for action in ("schedule_pause", "schedule_end"):
        response = browser.post(reverse(f"checklists:{action}", kwargs={"pk": schedule.pk}))
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert "Only approvers manage schedules" in response.content.decode()
    schedule.refresh_from_db()
    assert (Schedule.objects.count(), schedule.weekday, schedule.state) == (1, 0, "running")


def test_pause_resume_and_end_from_the_schedule_page(approver, plan):
    schedule = transitions.schedule_create(user=approver, **plan)
    browser = client_as(approver)
    url = schedule.get_absolute_url()
    assert ">Pause<" in browser.get(url).content.decode()
    pause = reverse("checklists:schedule_pause", kwargs={"pk": schedule.pk})
    assert browser.post(pause)["Location"] == url
    page = browser.get(url).content.decode()
    assert ">Resume<" in page and "paused" in page
    assert browser.post(pause).status_code == HTTPStatus.CONFLICT
    end = reverse("checklists:schedule_end", kwargs={"pk": schedule.pk})
    assert browser.post(end, {"reason": "Contract over"}).status_code == HTTPStatus.FOUND
    page = browser.get(url).content.decode()
    assert "Contract over" in page and ">Resume<" not in page and "Ended" in page
    resume = reverse("checklists:schedule_resume", kwargs={"pk": schedule.pk})
    response = browser.post(resume)
    assert response.status_code == HTTPStatus.CONFLICT
    assert "has ended" in response.content.decode()
    edit = reverse("checklists:schedule_edit", kwargs={"pk": schedule.pk})
    response = browser.post(edit, form_data(plan))
    assert response.status_code == HTTPStatus.CONFLICT
    assert "has ended" in response.content.decode()


def test_a_tampered_schedule_id_is_a_404(approver):
    browser = client_as(approver)
    for name in ("schedule", "schedule_edit"):
        assert browser.get(reverse(f"checklists:{name}", kwargs={"pk": 999})).status_code == 404
    response = browser.post(reverse("checklists:schedule_pause", kwargs={"pk": 999}))
    assert response.status_code == HTTPStatus.NOT_FOUND
