"""send_review_reminders: one digest per owner, once a day, and --dry-run."""

import io
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from compliance.models import ReminderSent
from tests.compliance.helpers import approved_on, days_ago
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("send_review_reminders", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def owners():
    olive = UserFactory(username="olive", email="olive@example.test")
    ned = UserFactory(username="ned", email="ned@example.test")
    approved_on(days_ago(400), owner=olive, title="Backups overdue")
    approved_on(days_ago(350), owner=olive, title="Firewall due soon")
    approved_on(days_ago(10), owner=olive, title="Fresh runbook")
    approved_on(days_ago(500), owner=ned, title="Printers overdue")
    approved_on(days_ago(500), owner=UserFactory(email=""), title="No address")
    approved_on(days_ago(500), owner=UserFactory(is_active=False), title="Left the company")
    approved_on(days_ago(500), title="Nobody owns this")
    return olive, ned


def test_one_digest_per_owner_with_their_due_procedures(owners):
    run()
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_recipient) == ["ned@example.test", "olive@example.test"]
    olive = by_recipient["olive@example.test"]
    assert olive.subject == "Procedures due for review: 1 overdue, 1 due soon"
    assert "Backups overdue" in olive.body and "Firewall due soon" in olive.body
    assert olive.body.index("Overdue:") < olive.body.index("Backups overdue")
    assert olive.body.index("Due within 30 days:") < olive.body.index("Firewall due soon")
    assert "Fresh runbook" not in olive.body and "Printers" not in olive.body
    assert "/reviews/manual/" in olive.body
    assert "Printers overdue" in by_recipient["ned@example.test"].body


def test_running_twice_a_day_sends_nothing_twice(owners):
    run()
    assert len(mail.outbox) == 2
    output = run()
    assert len(mail.outbox) == 2
    assert "Sent 0 digest(s); 2 already sent today." in output
    assert ReminderSent.objects.count() == 2


def test_dry_run_prints_and_sends_nothing(owners):
    output = run("--dry-run")
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()
    assert "Would send to olive@example.test: Procedures due for review" in output
    assert "Backups overdue" in output
    assert "Would send 2 digest(s)" in output


def test_a_failed_mail_is_not_recorded_and_is_retried(owners):
    failing = mock.patch("compliance.reminders.send_mail", side_effect=OSError("no server"))
    with failing, pytest.raises(CommandError):
        run()
    assert not ReminderSent.objects.exists()
    run()
    assert len(mail.outbox) == 2


def test_the_day_is_unique_per_owner_in_the_database(owners):
    from django.db import IntegrityError
    from django.utils import timezone

    olive, _ = owners
    ReminderSent.objects.create(owner=olive, day=timezone.localdate(), procedures=1)
    with pytest.raises(IntegrityError):
        ReminderSent.objects.create(owner=olive, day=timezone.localdate(), procedures=1)


def test_nothing_due_sends_nothing():
    approved_on(days_ago(10), owner=UserFactory())
    assert "Sent 0 digest(s)" in run()
    assert mail.outbox == []
