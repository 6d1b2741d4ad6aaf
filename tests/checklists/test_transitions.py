"""Runs: started from exactly one approved revision; every change checked and recorded."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from checklists import transitions
from checklists.errors import BadInput, RunError, StaleStep
from checklists.models import Client, Run, RunEvent, Step
from procedures.models import Revision
from tests.factories import RevisionFactory, approved_revision
from tests.roles import make_user

from .helpers import BODY, make_client, make_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return make_user("reader", username="tech-1")


@pytest.fixture
def approver():
    return make_user("approver")


def tick_all(run, user):
    for step in run.steps.all():
        transitions.step_tick(step=step, user=user, version=step.version)


def test_a_run_has_the_revisions_steps(reader):
    run = make_run(user=reader, ticket=" T-1 ")
    steps = list(run.steps.all())
    assert [s.html.split(" ")[0] for s in steps] == ["<strong>Back", "Check", "Reset", "Tell"]
    assert [s.group for s in steps] == ["Before you start"] * 2 + ["Do it"] * 2
    assert [s.depth for s in steps] == [0, 1, 0, 0]
    assert run.ticket == "T-1" and run.started_by == reader and run.status == Run.Status.OPEN
    assert run.events.get().kind == RunEvent.Kind.STARTED


def test_a_run_keeps_its_steps_when_a_newer_revision_is_approved(reader):
    first = approved_revision(body=BODY)
    run = make_run(user=reader, revision=first)
    approved_revision(first.procedure, body="- [ ] an entirely new step\n")
    run.refresh_from_db()
    assert run.revision == first
    assert run.steps.count() == 4
    assert not run.steps.filter(html__contains="entirely new").exists()


def test_only_approved_revisions_with_steps_start_runs(reader):
    client = make_client()
    revision = approved_revision(body=BODY)
    draft = RevisionFactory(procedure=revision.procedure, body=BODY)
    with pytest.raises(RunError):
        transitions.run_start(revision=draft, client=client, user=reader)
    plain = approved_revision(body="No boxes here.")
    with pytest.raises(RunError, match="no task items"):
        transitions.run_start(revision=plain, client=client, user=reader)
    assert Run.objects.count() == 0


def test_no_runs_for_an_archived_client_or_anonymous(reader, approver):
    client = make_client()
    transitions.client_set_active(client=client, user=approver, active=False)
    with pytest.raises(RunError, match="archived"):
        make_run(user=reader, client=client)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        make_run(user=AnonymousUser(), client=make_client(code="B"))


def test_ticking_records_who_and_when_and_raises_the_version(reader):
    run = make_run(user=reader)
    step = run.steps.first()
    ticked = transitions.step_tick(step=step, user=reader, version=1)
    assert (ticked.state, ticked.changed_by, ticked.version) == ("done", reader, 2)
    assert ticked.changed_at is not None
    assert run.events.filter(kind="ticked", step=step, user=reader).exists()


def test_a_stale_change_is_refused_not_applied(reader):
    other = make_user("reader", username="tech-2")
    run = make_run(user=reader)
    step = run.steps.first()
    transitions.step_tick(step=step, user=reader, version=1)
    with pytest.raises(StaleStep, match="tech-1"):
        transitions.step_skip(step=step, user=other, version=1, reason="n/a here")
    step.refresh_from_db()
    assert (step.state, step.changed_by) == ("done", reader)


def test_not_applicable_needs_a_reason_and_notes_have_a_limit(reader):
    run = make_run(user=reader)
    step = run.steps.first()
    with pytest.raises(BadInput):
        transitions.step_skip(step=step, user=reader, version=1, reason="  ")
    with pytest.raises(BadInput):
        transitions.step_annotate(step=step, user=reader, version=1, note="x" * 5001)
    noted = transitions.step_annotate(step=step, user=reader, version=1, note="Called the user")
    skipped = transitions.step_skip(step=noted, user=reader, version=2, reason="No mailbox")
    assert (skipped.state, skipped.na_reason, skipped.note) == (
        "na",
        "No mailbox",
        "Called the user",
    )


def test_complete_needs_every_step_done_or_not_applicable(reader):
    run = make_run(user=reader)
    with pytest.raises(RunError, match="4 step"):
        transitions.run_complete(run=run, user=reader)
    steps = list(run.steps.all())
    transitions.step_skip(step=steps[0], user=reader, version=1, reason="No backup needed")
    for step in steps[1:]:
        transitions.step_tick(step=step, user=reader, version=1)
    done = transitions.run_complete(run=run, user=reader)
    assert (done.status, done.finished_by) == ("completed", reader)
    assert done.finished_at is not None


@pytest.mark.parametrize("finish", ["complete", "abandon"])
def test_nothing_changes_on_a_finished_run(reader, finish):
    run = make_run(user=reader)
    if finish == "complete":
        tick_all(run, reader)
        transitions.run_complete(run=run, user=reader)
    else:
        transitions.run_abandon(run=run, user=reader, reason="Client cancelled")
    step = run.steps.first()
    step.refresh_from_db()
    for change in (
        lambda: transitions.step_tick(step=step, user=reader, version=step.version),
        lambda: transitions.step_untick(step=step, user=reader, version=step.version),
        lambda: transitions.step_skip(step=step, user=reader, version=step.version, reason="r"),
        lambda: transitions.step_annotate(step=step, user=reader, version=step.version, note="n"),
        lambda: transitions.run_complete(run=run, user=reader),
        lambda: transitions.run_abandon(run=run, user=reader, reason="again"),
    ):
        with pytest.raises(RunError):
            change()


def test_abandon_needs_a_reason(reader):
    run = make_run(user=reader)
    with pytest.raises(BadInput):
        transitions.run_abandon(run=run, user=reader, reason="")
    abandoned = transitions.run_abandon(run=run, user=reader, reason="Client cancelled")
    assert abandoned.abandon_reason == "Client cancelled"
    assert run.events.filter(kind="abandoned", detail="Client cancelled").exists()


def test_only_approvers_reopen_with_a_reason(reader, approver):
    run = make_run(user=reader)
    with pytest.raises(RunError, match="open already"):
        transitions.run_reopen(run=run, user=approver, reason="why")
    transitions.run_abandon(run=run, user=reader, reason="Cancelled")
    with pytest.raises(PermissionDenied):
        transitions.run_reopen(run=run, user=reader, reason="Mine")
    with pytest.raises(BadInput):
        transitions.run_reopen(run=run, user=approver, reason="")
    reopened = transitions.run_reopen(run=run, user=approver, reason="Client rebooked")
    assert (reopened.status, reopened.finished_by, reopened.abandon_reason) == ("open", None, "")
    assert run.events.filter(kind="reopened", user=approver, detail="Client rebooked").exists()
    transitions.step_tick(step=run.steps.first(), user=reader, version=1)


def test_the_database_ties_statuses_to_their_fields(reader):
    run = make_run(user=reader)
    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.filter(pk=run.pk).update(status=Run.Status.COMPLETED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.filter(pk=run.pk).update(status=Run.Status.ABANDONED, finished_by=reader)
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.filter(run=run).update(state=Step.State.NOT_APPLICABLE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.filter(run=run).update(state=Step.State.DONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Client.objects.create(name="Other", code="ACME")


def test_clients_are_managed_by_approvers_only(reader, approver):
    with pytest.raises(PermissionDenied):
        transitions.client_create(user=reader, name="X", code="X")
    client = transitions.client_create(user=approver, name=" Beta ", code=" beta ")
    assert (client.name, client.code) == ("Beta", "BETA")
    with pytest.raises(ValidationError, match="in use"):
        transitions.client_create(user=approver, name="Beta 2", code="BETA")
    with pytest.raises(BadInput):
        transitions.client_update(client=client, user=approver, name="", code="BETA")
    updated = transitions.client_update(
        client=client, user=approver, name="Beta plc", code="BETA", external_id="psa-9"
    )
    assert (updated.name, updated.external_id) == ("Beta plc", "psa-9")
    with pytest.raises(PermissionDenied):
        transitions.client_set_active(client=client, user=reader, active=False)


def test_a_superseded_revision_starts_no_run(reader):
    first = approved_revision(body=BODY)
    approved_revision(first.procedure, body=BODY)
    first.refresh_from_db()
    assert first.status == Revision.Status.SUPERSEDED
    with pytest.raises(RunError):
        make_run(user=reader, revision=first)
