"""Review reminders: one digest per owner a day of their overdue and soon-due procedures.

What was sent is recorded per owner per day (`ReminderSent`, unique), in the transaction that
sends the mail: a second run on the same day, or two at once, sends nobody a second digest,
and a mail that could not be sent is not recorded, so the next run tries again.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from .models import ReminderSent
from .selectors import ReviewDates


def _absolute(path: str) -> str:
    return getattr(settings, "SOP_SITE_URL", "").rstrip("/") + path


def digest(owner: AbstractBaseUser, rows: list[ReviewDates]) -> tuple[str, str]:
    """Return the subject and text of an owner's digest."""
    overdue = [row for row in rows if row.state == "overdue"]
    soon = [row for row in rows if row.state == "due"]
    subject = f"Procedures due for review: {len(overdue)} overdue, {len(soon)} due soon"
    lines = [f"Hello {owner.get_full_name() or owner.get_username()},", ""]
    for title, group in (("Overdue", overdue), ("Due within 30 days", soon)):
        if not group:
            continue
        lines.append(f"{title}:")
        for row in group:
            path = reverse("compliance:procedure_review", kwargs=row.procedure.url_kwargs())
            url = _absolute(path)
            lines.append(
                f"- {row.procedure.title} ({row.procedure.place}), review due "
                f"{row.next_review:%d %b %Y}: {url}"
            )
        lines.append("")
    lines += [
        "If a procedure is still right, open it and record “Reviewed, no change”; otherwise "
        "edit it and submit a new revision.",
        "",
        f"Everything due: {_absolute(reverse('compliance:due'))}?owner={owner.get_username()}",
    ]
    return subject, "\n".join(lines) + "\n"


def already_sent(owner: AbstractBaseUser, day: datetime.date) -> bool:
    """Return whether the owner's digest for `day` was sent."""
    return ReminderSent.objects.filter(owner=owner, day=day).exists()


def send_digest(owner: AbstractBaseUser, rows: list[ReviewDates], *, day: datetime.date) -> bool:
    """Send the owner's digest for `day` unless it was sent; return whether it was sent now.

    A failing mail server raises, and nothing is recorded."""
    subject, text = digest(owner, rows)
    try:
        with transaction.atomic():
            ReminderSent.objects.create(owner=owner, day=day, procedures=len(rows))
            send_mail(subject, text, None, [owner.email], fail_silently=False)
    except IntegrityError:  # sent meanwhile by another run
        return False
    return True
