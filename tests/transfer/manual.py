"""A small manual for the transfer tests: approved procedures (one with a screenshot), a
procedure never approved, and a newer draft of an approved one whose text must never leave."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from procedures.models import Revision
from tests.attachments.files import attach, image_bytes
from tests.factories import (
    ProcedureFactory,
    RevisionFactory,
    SectionFactory,
    UserFactory,
    VolumeFactory,
)
from tests.roles import make_user

DRAFT_MARKER = "zqx-transfer-draft-9931"


@dataclass
class Manual:
    users: dict
    volume: object
    section: object
    other_section: object
    billing: object  # approved, with a screenshot and a newer draft
    onboarding: object  # approved
    unwritten: object  # a draft only
    later: object  # volume 2, approved
    screenshot: object


def approve(revision, reviewer):
    """Make a revision the approved, current one (set-up only, as tests.factories does)."""
    procedure = revision.procedure
    Revision.objects.filter(procedure=procedure, status=Revision.Status.APPROVED).update(
        status=Revision.Status.SUPERSEDED
    )
    now = timezone.now()
    Revision.objects.filter(pk=revision.pk).update(
        status=Revision.Status.APPROVED, reviewer=reviewer, reviewed_at=now, submitted_at=now
    )
    procedure.current_revision_id = revision.pk
    procedure.save(update_fields=["current_revision"])
    revision.refresh_from_db()
    return revision


def build_manual() -> Manual:
    users = {role: make_user(role) for role in ("reader", "editor", "approver", "superuser")}
    editor, approver = users["editor"], users["approver"]
    volume = VolumeFactory(number=1, title="Front Office Mastery")
    section = SectionFactory(volume=volume, numeral="II", title="Finance", position=2)
    other_section = SectionFactory(volume=volume, numeral="I", title="Service desk", position=1)
    billing = ProcedureFactory(
        section=section, title="Billing procedures and policies",
        slug="billing-procedures-and-policies", position=3, owner=approver,
    )  # fmt: skip
    first = RevisionFactory(
        procedure=billing, author=editor,
        body="# Billing\n\nSend invoices on the **first** working day.\n\n"
        "| Day | Task |\n| --- | --- |\n| 1 | Invoice |\n",
    )  # fmt: skip
    screenshot = attach(first, image_bytes(size=(60, 40)), "invoice-run.png")
    approve(first, approver)
    RevisionFactory(
        procedure=billing, author=editor, based_on=first, body=f"Newer draft {DRAFT_MARKER}"
    )
    onboarding = ProcedureFactory(
        section=other_section, title="Onboarding a client", slug="onboarding", position=1
    )
    approve(
        RevisionFactory(
            procedure=onboarding,
            author=editor,
            body="# Onboarding\n\n1. Create the tenant.\n2. See [[1/ii/billing-procedures-and-policies]].",
        ),
        approver,
    )
    unwritten = ProcedureFactory(section=section, title="Dunning", slug="dunning", position=4)
    RevisionFactory(procedure=unwritten, author=editor, body=f"Draft only {DRAFT_MARKER}")
    volume2 = VolumeFactory(number=2, title="Back Office")
    later_section = SectionFactory(volume=volume2, numeral="I", title="Backups", position=1)
    later = ProcedureFactory(
        section=later_section, title="Nightly backups", slug="nightly", position=1
    )
    approve(
        RevisionFactory(procedure=later, author=UserFactory(), body="Check the backup log."),
        approver,
    )
    return Manual(
        users=users, volume=volume, section=section, other_section=other_section,
        billing=billing, onboarding=onboarding, unwritten=unwritten, later=later,
        screenshot=screenshot,
    )  # fmt: skip
