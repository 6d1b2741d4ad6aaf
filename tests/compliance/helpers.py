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
