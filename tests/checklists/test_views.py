"""The run pages: plain forms that work without JavaScript, clear 4xx for every refusal."""

import csv
import io
from http import HTTPStatus

import pytest
from django.urls import reverse

from checklists import transitions
from checklists.models import Run, Step
from tests.factories import approved_revision
from tests.roles import client_as, make_user

from .helpers import BODY, make_client, make_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return make_user("reader", username="tech-1")


@pytest.fixture
def approver():
    return make_user("approver")


def step_url(run, step):
    return reverse("checklists:step", kwargs={"pk": run.pk, "step_id": step.pk})


def test_start_a_run_from_the_procedure_page(reader):
    revision = approved_revision(body=BODY)
    client = make_client()
    browser = client_as(reader)
    page = browser.get(revision.procedure.get_absolute_url())
    start = reverse("checklists:start", kwargs={"revision_id": revision.pk})
    assert start in page.content.decode()
    response = browser.post(
        start, {"client": client.pk, "ticket": "T-42", "due_date": "2030-01-31"}
    )
    run = Run.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == run.get_absolute_url()
    assert (run.ticket, str(run.due_date), run.revision) == ("T-42", "2030-01-31", revision)


def test_no_start_button_without_task_items(reader):
    revision = approved_revision(body="Just text.")
    page = client_as(reader).get(revision.procedure.get_absolute_url())
    assert "Start a run" not in page.content.decode()


@pytest.mark.parametrize("due", ["0000-01-01", "0001-01-01", "2026-02-30", "x"])
def test_a_bad_due_date_is_a_400(reader, due):
    revision = approved_revision(body=BODY)
    client = make_client()
    start = reverse("checklists:start", kwargs={"revision_id": revision.pk})
    response = client_as(reader).post(start, {"client": client.pk, "due_date": due})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not Run.objects.exists()


def test_the_run_page_ticks_a_step_with_a_plain_form(reader):
    run = make_run(user=reader)
    step = run.steps.first()
    browser = client_as(reader)
    page = browser.get(run.get_absolute_url()).content.decode()
    assert step_url(run, step) in page and 'name="version" value="1"' in page
    response = browser.post(step_url(run, step), {"action": "tick", "version": 1})
    assert response.status_code == HTTPStatus.FOUND
    step.refresh_from_db()
    assert step.state == Step.State.DONE


def test_a_stale_tick_is_a_409_with_a_clear_message(reader):
    run = make_run(user=reader)
    step = run.steps.first()
    other = make_user("reader", username="tech-2")
    client_as(other).post(step_url(run, step), {"action": "na", "version": 1, "reason": "No"})
    response = client_as(reader).post(step_url(run, step), {"action": "tick", "version": 1})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "changed by tech-2 meanwhile" in response.content.decode()
    step.refresh_from_db()
    assert (step.state, step.changed_by) == ("na", other)


def test_a_step_of_another_run_is_a_404(reader):
    run = make_run(user=reader)
    other_run = make_run(user=reader, client=make_client(code="B"))
    step = other_run.steps.first()
    response = client_as(reader).post(step_url(run, step), {"action": "tick", "version": 1})
    assert response.status_code == HTTPStatus.NOT_FOUND
    step.refresh_from_db()
    assert step.state == Step.State.TODO


@pytest.mark.parametrize(
    "data",
    [
        {"action": "tick", "version": "abc"},
        {"action": "explode", "version": 1},
        {"action": "tick"},
        {"action": "note", "version": 1, "note": "x" * 100_000},
        {"action": "na", "version": 1, "reason": ""},
    ],
)
def test_bad_step_input_is_a_400(reader, data):
    run = make_run(user=reader)
    step = run.steps.first()
    response = client_as(reader).post(step_url(run, step), data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    step.refresh_from_db()
    assert (step.state, step.version, step.note) == ("todo", 1, "")


def test_complete_abandon_and_reopen_through_the_page(reader, approver):
    run = make_run(user=reader)
    browser = client_as(reader)
    complete = reverse("checklists:complete", kwargs={"pk": run.pk})
    assert browser.post(complete).status_code == HTTPStatus.CONFLICT
    for step in run.steps.all():
        browser.post(step_url(run, step), {"action": "tick", "version": step.version})
    assert browser.post(complete).status_code == HTTPStatus.FOUND
    run.refresh_from_db()
    assert run.status == Run.Status.COMPLETED
    page = browser.get(run.get_absolute_url()).content.decode()
    assert "Complete the run" not in page and "Reopen" not in page and 'value="tick"' not in page
    step = run.steps.first()
    assert (
        browser.post(step_url(run, step), {"action": "untick", "version": step.version}).status_code
        == HTTPStatus.CONFLICT
    )
    reopen = reverse("checklists:reopen", kwargs={"pk": run.pk})
    assert browser.post(reopen, {"reason": "mine"}).status_code == HTTPStatus.FORBIDDEN
    assert client_as(approver).post(reopen, {"reason": ""}).status_code == HTTPStatus.BAD_REQUEST
    assert client_as(approver).post(reopen, {"reason": "Redo"}).status_code == HTTPStatus.FOUND
    abandon = reverse("checklists:abandon", kwargs={"pk": run.pk})
    assert browser.post(abandon, {"reason": ""}).status_code == HTTPStatus.BAD_REQUEST
    assert browser.post(abandon, {"reason": "Cancelled"}).status_code == HTTPStatus.FOUND
    run.refresh_from_db()
    assert (run.status, run.abandon_reason) == ("abandoned", "Cancelled")


def test_a_run_says_when_a_newer_revision_is_approved(reader):
    first = approved_revision(body=BODY)
    run = make_run(user=reader, revision=first)
    second = approved_revision(first.procedure, body=BODY + "\n- [ ] new\n")
    page = client_as(reader).get(run.get_absolute_url()).content.decode()
    compare = reverse("procedures:compare", kwargs=first.procedure.url_kwargs())
    assert f"{compare}?from={first.number}&amp;to={second.number}" in page
    assert "new</div>" not in page


def test_the_ticket_is_a_link_when_a_pattern_is_set(reader, settings):
    settings.SOP_TICKET_URL_PATTERN = "https://psa.example/tickets/{ticket}"
    run = make_run(user=reader, ticket="T 1/2")
    page = client_as(reader).get(run.get_absolute_url()).content.decode()
    assert 'href="https://psa.example/tickets/T%201%2F2"' in page


def runs_csv(browser, query=""):
    response = browser.get(reverse("checklists:runs_csv") + query)
    assert response.status_code == HTTPStatus.OK and response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_export_is_filtered_and_neutralises_formulas(reader):
    run = make_run(user=reader, ticket='=HYPERLINK("http://x")')
    make_run(user=reader, client=make_client(name="+Other", code="OTH"))
    rows = runs_csv(client_as(reader), f"?client={run.client.pk}")
    assert rows[0][:4] == ["id", "procedure", "revision", "client"]
    assert len(rows) == 2
    assert rows[1][5] == '\'=HYPERLINK("http://x")'
    rows = runs_csv(client_as(reader))
    assert {row[3] for row in rows[1:]} == {"Acme Ltd", "'+Other"}


def test_the_list_filters_by_status_and_is_bookmarkable(reader):
    open_run = make_run(user=reader, due_date=__import__("datetime").date(2001, 1, 1))
    done = make_run(user=reader, client=make_client(code="B", name="Beta"))
    transitions.run_abandon(run=done, user=reader, reason="Cancelled")
    browser = client_as(reader)
    overdue = browser.get(reverse("checklists:runs"), {"status": "overdue"}).content.decode()
    assert open_run.get_absolute_url() in overdue and done.get_absolute_url() not in overdue
    abandoned = browser.get(reverse("checklists:runs"), {"status": "abandoned"}).content.decode()
    assert done.get_absolute_url() in abandoned and open_run.get_absolute_url() not in abandoned


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_needs_the_same_queries_for_one_run_or_many(
    reader, count, django_assert_max_num_queries
):
    revision = approved_revision(body=BODY)
    client = make_client()
    for _ in range(count):
        make_run(user=reader, revision=revision, client=client)
    browser = client_as(reader)
    browser.get(reverse("checklists:runs"))  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        response = browser.get(reverse("checklists:runs"), {"client": client.pk})
    assert response.content.decode().count('class="run-row"') == count


def test_my_runs_and_the_client_page(reader):
    mine = make_run(user=reader)
    other = make_user("reader", username="tech-2")
    theirs = make_run(user=other, client=make_client(code="B", name="Beta"))
    page = client_as(reader).get(reverse("checklists:my_runs")).content.decode()
    assert mine.get_absolute_url() in page and theirs.get_absolute_url() not in page
    page = client_as(reader).get(theirs.client.get_absolute_url()).content.decode()
    assert theirs.get_absolute_url() in page and mine.get_absolute_url() not in page


def test_approvers_add_edit_and_archive_clients(reader, approver):
    browser = client_as(approver)
    add = reverse("checklists:client_add")
    assert client_as(reader).post(add, {"name": "X", "code": "X"}).status_code == 403
    assert browser.post(add, {"name": "Gamma", "code": "gam"}).status_code == HTTPStatus.FOUND
    assert browser.post(add, {"name": "Gamma 2", "code": "GAM"}).status_code == 400
    edit = reverse("checklists:client_edit", kwargs={"code": "GAM"})
    assert browser.post(edit, {"name": "Gamma plc", "code": "GAM"}).status_code == 302
    archive = reverse("checklists:client_archive", kwargs={"code": "GAM"})
    assert client_as(reader).post(archive).status_code == 403
    assert browser.post(archive).status_code == HTTPStatus.FOUND
    from checklists.models import Client

    gamma = Client.objects.get(code="GAM")
    assert (gamma.name, gamma.active) == ("Gamma plc", False)
    page = browser.get(reverse("checklists:clients")).content.decode()
    assert "Gamma plc" in page and "Restore" in page


@pytest.mark.parametrize("client_value", ["999999", "abc", ""])
def test_a_tampered_or_archived_client_is_a_400(reader, approver, client_value):
    revision = approved_revision(body=BODY)
    archived = make_client(code="OLD", name="Old")
    transitions.client_set_active(client=archived, user=approver, active=False)
    start = reverse("checklists:start", kwargs={"revision_id": revision.pk})
    browser = client_as(reader)
    assert browser.post(start, {"client": client_value}).status_code == 400
    assert browser.post(start, {"client": archived.pk}).status_code == 400
    assert not Run.objects.exists()


def test_a_run_or_a_revision_that_does_not_exist_is_a_404(reader):
    run = make_run(user=reader)
    browser = client_as(reader)
    assert browser.get(reverse("checklists:run", kwargs={"pk": run.pk + 99})).status_code == 404
    missing = reverse("checklists:step", kwargs={"pk": run.pk, "step_id": 10**9})
    assert browser.post(missing, {"action": "tick", "version": 1}).status_code == 404
    draft_start = reverse("checklists:start", kwargs={"revision_id": 10**9})
    assert browser.get(draft_start).status_code == 404
