"""Who may upload and fetch attachments: decided only by asking procedures.workflow.

A file may be fetched by whoever may see at least one revision that refers to it (a file only
in someone's draft is theirs alone; in review: editors and approvers; approved or superseded:
every reader). Uploading is saving a draft: only its author, while it is a draft.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from procedures import workflow
from procedures.models import Revision

from .models import Attachment


def can_upload(revision: Revision, user: AbstractBaseUser) -> bool:
    """Return whether the user may add a file to this revision (its author, to a draft)."""
    return (
        workflow.can_edit(user)
        and revision.status == Revision.Status.DRAFT
        and "save" in workflow.allowed_actions(revision, user)
    )


def referring_revisions(attachment: Attachment):
    """Return the revisions referring to the file, with what the workflow's policy reads."""
    return Revision.objects.filter(attachment_links__attachment=attachment).only(
        "pk", "status", "author_id", "procedure_id"
    )


def can_download(attachment: Attachment, user: AbstractBaseUser) -> bool:
    """Return whether the user may fetch the file: they may see a revision referring to it."""
    if not workflow.can_read(user):
        return False
    return any(workflow.can_see(revision, user) for revision in referring_revisions(attachment))
