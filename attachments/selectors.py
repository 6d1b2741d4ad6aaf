"""Reads of attachments that several views share."""

from __future__ import annotations

import re
from dataclasses import dataclass

from procedures.models import Revision

from .models import Attachment, RevisionAttachment

# The app's own file URLs in a revision's text: /files/<sha256>/<name> (or .../display/...).
FILE_URL = re.compile(r"/files/([0-9a-f]{64})(?=[/)\s\"'>]|$)")


def keys_in_text(text: str) -> list[str]:
    """Return the SHA-256 keys of the files the text refers to, in order of first mention."""
    return list(dict.fromkeys(FILE_URL.findall(text or "")))


def attachments_in_text(revision_id: int) -> list[Attachment]:
    """Return the files a revision's text refers to, in order of first mention (one query)."""
    links = (
        RevisionAttachment.objects.filter(revision_id=revision_id, in_text=True)
        .select_related("attachment")
        .order_by("position", "pk")
    )
    return [link.attachment for link in links]


@dataclass(frozen=True)
class AttachmentChanges:
    added: list[Attachment]
    removed: list[Attachment]

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed)


def attachment_changes(old: Revision | None, new: Revision) -> AttachmentChanges:
    """Return the files the new revision's text refers to that the old one's did not, and
    the other way round (one query)."""
    ids = [new.pk] + ([old.pk] if old else [])
    links = (
        RevisionAttachment.objects.filter(revision_id__in=ids, in_text=True)
        .select_related("attachment")
        .order_by("position", "pk")
    )
    by_revision: dict[int, dict[int, Attachment]] = {pk: {} for pk in ids}
    for link in links:
        by_revision[link.revision_id][link.attachment_id] = link.attachment
    before = by_revision[old.pk] if old else {}
    after = by_revision[new.pk]
    return AttachmentChanges(
        added=[a for pk, a in after.items() if pk not in before],
        removed=[a for pk, a in before.items() if pk not in after],
    )
