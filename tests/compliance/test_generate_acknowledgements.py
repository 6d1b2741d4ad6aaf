"""devtools' generate_acknowledgements: people, groups, requirements and acknowledgements for
the compliance report's benchmark, the same for the same seed."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from compliance.models import Acknowledgement, AcknowledgementRequirement, GroupMembershipEvent
from procedures.models import Section

pytestmark = pytest.mark.django_db


def test_generates_readers_groups_requirements_and_acknowledgements():
    call_command("generate_corpus", "--procedures", "12", "--revisions", "3", stdout=io.StringIO())
    out = io.StringIO()
    call_command("generate_acknowledgements", "--people", "15", stdout=out)
    assert "Added 15 readers" in out.getvalue()
    assert Group.objects.filter(name="Technicians").exists()
    assert GroupMembershipEvent.objects.filter(action="joined").count() >= 15
    assert AcknowledgementRequirement.objects.count() == Section.objects.count()
    acknowledgements = Acknowledgement.objects.select_related("revision")
    assert acknowledgements.exists()
    assert all(a.revision.procedure_id == a.procedure_id for a in acknowledgements)
    assert all(a.acknowledged_at >= a.revision.reviewed_at for a in acknowledgements)


def test_dry_run_writes_nothing():
    out = io.StringIO()
    call_command("generate_acknowledgements", "--people", "5", "--dry-run", stdout=out)
    assert "Would add 5 readers" in out.getvalue()
    assert not Group.objects.filter(name="Technicians").exists()
