"""Set-up for the compliance tests: an approved procedure, approved at a chosen time."""

import datetime

from django.utils import timezone

from procedures.models import Revision
from tests.factories import ProcedureFactory, approved_revision


def approved_on(day: datetime.date, procedure=None, **kwargs):
    """Return a procedure whose current revision was approved at noon on `day`."""
    procedure = procedure or ProcedureFactory(**kwargs)
    revision = approved_revision(procedure)
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    Revision.objects.filter(pk=revision.pk).update(reviewed_at=moment)
    procedure.refresh_from_db()
    return procedure


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def publish(procedure, author, approver, body, *, change=None, approve_as=None):
    """Write, submit and approve a revision through the workflow (`change`: as the author
    marks it; `approve_as`: the approver's word on it)."""
    from procedures import workflow

    draft = workflow.revision_start_draft(procedure=procedure, user=author)
    draft = workflow.revision_save_draft(
        revision=draft,
        user=author,
        body=body,
        summary="Changed",
        expected_version=draft.version,
        change=change,
    )
    workflow.revision_submit(revision=draft, user=author)
    return workflow.revision_approve(revision=draft, user=approver, change=approve_as)


def technicians():
    from django.contrib.auth.models import Group

    return Group.objects.get_or_create(name="Technicians")[0]
