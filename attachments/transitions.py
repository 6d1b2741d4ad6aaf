"""Every change to attachments: storing an upload for a draft, and recording which files a
revision's text refers to. Plain functions, keyword-only, with the acting user."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from procedures.models import Revision

from . import policy
from .errors import NotAllowed, TooLarge
from .models import Attachment, RevisionAttachment
from .processing import Processed, clean_name, human_size, process_upload
from .selectors import keys_in_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Uploaded:
    attachment: Attachment
    markdown: str
    created: bool  # False: the same bytes were stored already


def storage():
    """Return the storage attachments live in (STORAGES["default"]), looked up each time."""
    return storages["default"]


def _storage_name(sha256: str, extension: str, *, display: bool = False) -> str:
    suffix = ".display" if display else ""
    return f"attachments/{sha256[:2]}/{sha256}{suffix}.{extension}"


def _store(name: str, content: bytes) -> str:
    store = storage()
    if store.exists(name):  # content-addressed: the same name holds the same bytes
        return name
    return store.save(name, ContentFile(content))


def read_upload(upload: UploadedFile) -> bytes:
    """Return an uploaded file's bytes, refusing one over the size limit without reading it."""
    limit = settings.SOP_ATTACHMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise TooLarge(
            f"“{clean_name(upload.name)}” is {human_size(upload.size)}; the limit is "
            f"{human_size(limit)}.",
            code="too_large",
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise TooLarge(
            f"“{clean_name(upload.name)}” is over {human_size(limit)}.", code="too_large"
        )
    return content


def markdown_for(attachment: Attachment, *, alt: str = "") -> str:
    """Return the Markdown that shows an image (a wide one as its scaled copy, linked to the
    original) or links to a file."""
    alt = clean_name(alt or attachment.name.rsplit(".", 1)[0]).replace("_", " ")
    url = attachment.get_absolute_url()
    if not attachment.is_image:
        return f"[{alt} ({attachment.extension.upper()}, {human_size(attachment.size)})]({url})"
    image = f"![{alt}]({attachment.display_url()})"
    return f"[{image}]({url})" if attachment.display else image


def _save_processed(processed: Processed, user: AbstractBaseUser) -> tuple[Attachment, bool]:
    existing = Attachment.objects.filter(sha256=processed.sha256).first()
    if existing is not None:
        return existing, False
    file_name = _store(_storage_name(processed.sha256, processed.extension), processed.content)
    display_name = ""
    if processed.display is not None:
        display_name = _store(
            _storage_name(processed.sha256, processed.extension, display=True), processed.display
        )
    return Attachment.objects.get_or_create(
        sha256=processed.sha256,
        defaults={
            "kind": processed.kind,
            "file": file_name,
            "display": display_name,
            "name": processed.name,
            "content_type": processed.content_type,
            "size": len(processed.content),
            "width": processed.width,
            "height": processed.height,
            "uploaded_by": user,
        },
    )


def attachment_upload(
    *, revision: Revision, user: AbstractBaseUser, upload: UploadedFile, alt: str = ""
) -> Uploaded:
    """Store a file for the user's draft and return it with the Markdown that shows it.

    The same bytes are stored once; the draft then refers to the file (so its author may see
    it in the preview before the text is saved). Raises NotAllowed or AttachmentRefused."""
    if not policy.can_upload(revision, user):
        raise NotAllowed("Only the author of a draft can add files to it.")
    processed = process_upload(content=read_upload(upload), name=upload.name or "")
    return attachment_add(revision=revision, user=user, processed=processed, alt=alt)


def attachment_add(
    *, revision: Revision, user: AbstractBaseUser, processed: Processed, alt: str = ""
) -> Uploaded:
    """Store a file already checked by `process_upload` for the user's draft (an import
    checks its many files first, in parallel); otherwise as `attachment_upload`."""
    with transaction.atomic():
        fresh = Revision.objects.select_for_update().select_related("procedure").get(pk=revision.pk)
        if not policy.can_upload(fresh, user):
            raise NotAllowed("Only the author of a draft can add files to it.")
        attachment, created = _save_processed(processed, user)
        link, made = RevisionAttachment.objects.get_or_create(
            revision=fresh, attachment=attachment, defaults={"uploaded_here": True}
        )
        if not made and not link.uploaded_here:
            link.uploaded_here = True
            link.save(update_fields=["uploaded_here"])
    logger.info(
        "attachment %s (%s, %s bytes) uploaded by %s to revision %s%s",
        attachment.sha256[:12], attachment.content_type, attachment.size, user.pk,
        revision.pk, "" if created else " (stored already)",
    )  # fmt: skip
    return Uploaded(
        attachment=attachment, markdown=markdown_for(attachment, alt=alt), created=created
    )


def record_revision_attachments(*, revision: Revision) -> list[Attachment]:
    """Record which stored files the revision's text refers to; return them in order.

    For the lead's effects: call after a draft is saved (and, harmlessly again, on approval).
    A file is linked only if the revision's author may already fetch it (uploaded it to this
    draft, or sees another revision referring to it), so naming a file's hash in a draft never
    opens someone else's unpublished file. Links only come and go with the text: no file is
    ever deleted."""
    keys = keys_in_text(revision.body)
    with transaction.atomic():
        existing = {
            link.attachment.sha256: link
            for link in RevisionAttachment.objects.filter(revision=revision).select_related(
                "attachment"
            )
        }
        found = {a.sha256: a for a in Attachment.objects.filter(sha256__in=keys)}
        author = revision.author
        in_text = []
        for position, key in enumerate(keys):
            attachment = found.get(key)
            if attachment is None:
                continue
            link = existing.get(key)
            if link is None:
                if not policy.can_download(attachment, author):
                    continue
                link = RevisionAttachment(revision=revision, attachment=attachment)
            if not link.in_text or link.position != position or link.pk is None:
                link.in_text, link.position = True, position
                link.save()
            in_text.append(attachment)
        for key, link in existing.items():
            if key in found and found[key] in in_text:
                continue
            if not link.uploaded_here:
                link.delete()
            elif link.in_text:
                link.in_text = False
                link.save(update_fields=["in_text"])
    return in_text
