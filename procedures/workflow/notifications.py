"""Mail that follows the workflow's transitions.

Sent after the transaction commits; a failing mail server is logged and never fails or rolls
back the transition. `workflow.effects` decides when; this module says what and to whom.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from ..models import Procedure, Revision
from . import policy

logger = logging.getLogger("procedures.workflow")


@dataclass(frozen=True)
class _Mail:
    subject: str
    message: str
    recipients: tuple[str, ...]
    waits: int | None = None  # the revision a "review requested" asks to decide
    decides: int | None = None  # the revision an approval or rejection decided


# Inside `gathered()`: the mail the transitions would send, kept to send as one per person.
_gathering: ContextVar[list[_Mail] | None] = ContextVar("gathering_mail", default=None)


def _absolute(path: str) -> str:
    base = getattr(settings, "SOP_SITE_URL", "").rstrip("/")
    return f"{base}{path}"


def _name(user: AbstractBaseUser) -> str:
    """Return how the mail names a person: their full name, else their username."""
    return user.get_full_name() or user.get_username()


def _send(
    subject: str, message: str, recipients: list[str], *, waits: int | None = None,
    decides: int | None = None,
) -> None:  # fmt: skip
    recipients = sorted({r for r in recipients if r})
    gathering = _gathering.get()
    if gathering is not None:  # kept even for no one: what it decides still counts
        gathering.append(_Mail(subject, message, tuple(recipients), waits, decides))
        return
    if not recipients:
        return

    def send() -> None:
        try:
            send_mail(subject, message, None, recipients, fail_silently=False)
        except Exception:
            logger.exception("Could not send %r to %s", subject, ", ".join(recipients))

    transaction.on_commit(send)


@contextmanager
def gathered(what: str) -> Iterator[None]:
    """Inside a transaction that changes many procedures (an import): each person gets one
    message once it commits, holding what the changes would have told them one by one, less
    the review requests for revisions decided in the same transaction. `what` begins the
    subject: "Import by alice: 163 messages in one"."""
    mails: list[_Mail] = []
    token = _gathering.set(mails)
    try:
        yield
    finally:
        _gathering.reset(token)
    decided = {mail.decides for mail in mails if mail.decides is not None}
    by_recipient: dict[str, list[_Mail]] = {}
    for mail in mails:
        if mail.waits not in decided:
            for recipient in mail.recipients:
                by_recipient.setdefault(recipient, []).append(mail)
    for recipient, theirs in sorted(by_recipient.items()):
        if len(theirs) == 1:
            _send(theirs[0].subject, theirs[0].message, [recipient])
            continue
        parts = [f"{mail.subject}\n{'-' * len(mail.subject)}\n{mail.message}" for mail in theirs]
        _send(f"{what}: {len(theirs)} messages in one", "\n".join(parts), [recipient])


def review_requested(*, procedure: Procedure, revision: Revision, user: AbstractBaseUser) -> None:
    """Tell the approvers (but the author) that a revision waits for them."""
    recipients = policy.approvers().exclude(pk=user.pk).values_list("email", flat=True)
    _send(
        f"Review requested: {procedure.title} (revision {revision.number})",
        f"{_name(user)} submitted revision {revision.number} of "
        f"“{procedure.title}” for review.\n\nSummary: {revision.summary}\n\n"
        f"Review it: {_absolute(reverse('procedures:review', kwargs=revision.url_kwargs()))}\n",
        list(recipients),
        waits=revision.pk,
    )


def _unless_theirs(revision: Revision, user: AbstractBaseUser) -> list[str]:
    """The author's address, unless they decided their own revision (self-approval)."""
    return [] if policy.is_author(revision, user) else [revision.author.email]


def approved(*, procedure: Procedure, revision: Revision, user: AbstractBaseUser) -> None:
    """Tell the author that their revision is now the text everyone reads."""
    _send(
        f"Approved: {procedure.title} (revision {revision.number})",
        f"{_name(user)} approved revision {revision.number} of “{procedure.title}”. "
        f"It is now the text everyone reads.\n\n"
        + (f"Comment: {revision.review_comment}\n\n" if revision.review_comment else "")
        + f"{_absolute(procedure.get_absolute_url())}\n",
        _unless_theirs(revision, user),
        decides=revision.pk,
    )


def out_of_date(*, procedure: Procedure, approved: Revision) -> None:
    """Tell the authors of the procedure's other open work that it is now out of date."""
    others = procedure.revisions.open().exclude(pk=approved.pk).order_by("number")
    for other in others.select_related("author"):
        other.procedure = procedure
        _send(
            f"Out of date: {procedure.title} (your revision {other.number})",
            f"Revision {approved.number} of “{procedure.title}” was approved after you "
            f"started revision {other.number}, so yours cannot be approved as it is. Open it "
            "and choose Bring up to date: the approved changes are merged into your text, "
            "and nothing you wrote is lost.\n\n"
            f"{_absolute(other.get_absolute_url())}\n",
            [other.author.email],
        )


def rejected(*, procedure: Procedure, revision: Revision, user: AbstractBaseUser) -> None:
    """Tell the author why their revision was sent back."""
    _send(
        f"Changes requested: {procedure.title} (revision {revision.number})",
        f"{_name(user)} rejected revision {revision.number} of “{procedure.title}”.\n\n"
        f"Comment: {revision.review_comment}\n\n"
        f"Revise it: {_absolute(revision.get_absolute_url())}\n",
        _unless_theirs(revision, user),
        decides=revision.pk,
    )
