"""Who may export and import the manual: decided only by asking procedures.workflow.

Exports hold approved text only, which every reader may read on the site, so every reader may
export what they can read. Importing writes drafts into many procedures at once and may create
volumes and sections: it is for administrators who may also add and edit procedures. An import
that approves its revisions needs an approver as well (four-eyes: `transfer.importing`).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from procedures import workflow


def can_export(user: AbstractBaseUser) -> bool:
    """Return whether the user may download the manual (approved text: every reader)."""
    return workflow.can_read(user)


def can_import(user: AbstractBaseUser) -> bool:
    """Return whether the user may import an archive of procedures as drafts."""
    return workflow.can_open_admin(user) and workflow.can_create(user) and workflow.can_edit(user)


def can_approve_import(user: AbstractBaseUser) -> bool:
    """Return whether the user may approve the revisions of an import."""
    return workflow.can_review(user)
