"""Every change to attachments: storing an upload for a draft, and recording which files a
revision's text refers to. Plain functions, keyword-only, with the acting user."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

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


def store_checked(processed: Processed) -> tuple[str, str]:
    """Write a checked file's bytes (and display copy) where `attachments_add` records them,
    and return their names. An import calls it ahead, on its worker threads, while the
    database is busy with earlier procedures; the names are content-addressed, so the record
    then finds them written. Bytes whose record never comes (a refused import) stay, unnamed
    by any revision, like every stored file: none is ever deleted."""
    file_name = _store(_storage_name(processed.sha256, processed.extension), processed.content)
    display_name = ""
    if processed.display is not None:
        display_name = _store(
            _storage_name(processed.sha256, processed.extension, display=True), processed.display
        )
    return file_name, display_name


def _unsaved(processed: Processed, user: AbstractBaseUser) -> Attachment:
    """Return the record of a file not stored yet, its bytes (and display copy) written."""
    file_name, display_name = store_checked(processed)
    return Attachment(
        sha256=processed.sha256, kind=processed.kind, file=file_name, display=display_name,
        name=processed.name, content_type=processed.content_type, size=len(processed.content),
        width=processed.width, height=processed.height, uploaded_by=user,
    )  # fmt: skip


def _get_or_create(unsaved: Attachment) -> tuple[Attachment, bool]:
    fields = {f.attname: getattr(unsaved, f.attname) for f in Attachment._meta.concrete_fields
              if not f.primary_key and f.name != "sha256"}  # fmt: skip
    return Attachment.objects.get_or_create(sha256=unsaved.sha256, defaults=fields)


def _save_processed(
    processed: Sequence[Processed], user: AbstractBaseUser
) -> tuple[dict[str, Attachment], set[str]]:
    """Return the files' records by SHA-256 (the same bytes are stored once) and the keys of
    those stored now: three queries however many files, unless another upload stores the same
    bytes at that moment (then one by one, as get_or_create settles it)."""
    wanted = {p.sha256: p for p in processed}
    stored = Attachment.objects.in_bulk(list(wanted), field_name="sha256")
    new = [_unsaved(p, user) for key, p in wanted.items() if key not in stored]
    if not new:
        return stored, set()
    try:
        with transaction.atomic():
            Attachment.objects.bulk_create(new)
        created = {attachment.sha256 for attachment in new}
    except IntegrityError:
        settled = [_get_or_create(unsaved) for unsaved in new]
        new = [attachment for attachment, _ in settled]
        created = {attachment.sha256 for attachment, made in settled if made}
    stored.update((attachment.sha256, attachment) for attachment in new)
    return stored, created


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
    """Store a file already checked by `process_upload` for the user's draft; otherwise as
    `attachment_upload`."""
    return attachments_add(revision=revision, user=user, processed=[processed], alt=alt)[0]


def attachments_add(
    *, revision: Revision, user: AbstractBaseUser, processed: Sequence[Processed], alt: str = ""
) -> list[Uploaded]:
    """Store files already checked by `process_upload` for the user's draft, together (an
    import checks its many files first, in parallel): one lock and a handful of queries
    however many files. Returns them in the order given. Raises NotAllowed."""
    with transaction.atomic():
        fresh = Revision.objects.select_for_update().select_related("procedure").get(pk=revision.pk)
        if not policy.can_upload(fresh, user):
            raise NotAllowed("Only the author of a draft can add files to it.")
        stored, created = _save_processed(processed, user)
        links = {
            link.attachment_id: link
            for link in RevisionAttachment.objects.filter(
                revision=fresh, attachment__in=stored.values()
            ).order_by()
        }
        RevisionAttachment.objects.bulk_create(
            RevisionAttachment(revision=fresh, attachment=attachment, uploaded_here=True)
            for attachment in stored.values()
            if attachment.pk not in links
        )
        RevisionAttachment.objects.filter(
            pk__in=[link.pk for link in links.values() if not link.uploaded_here]
        ).update(uploaded_here=True)
    for attachment in stored.values():
        logger.info(
            "attachment %s (%s, %s bytes) uploaded by %s to revision %s%s",
            attachment.sha256[:12], attachment.content_type, attachment.size, user.pk,
            revision.pk, "" if attachment.sha256 in created else " (stored already)",
        )  # fmt: skip
    return [
        Uploaded(
            attachment=stored[p.sha256],
            markdown=markdown_for(stored[p.sha256], alt=alt),
            created=p.sha256 in created,
        )
        for p in processed
    ]


def record_revision_attachments(*, revision: Revision) -> list[Attachment]:
    """Record which stored files the revision's text refers to; return them in order.

    For the lead's effects: call after a draft is saved (and, harmlessly again, on approval).
    A file is linked only if the revision's author may already fetch it (uploaded it to this
    draft, or sees another revision referring to it), so naming a file's hash in a draft never
    opens someone else's unpublished file. Links only come and go with the text: no file is
    ever deleted."""
    keys = keys_in_text(revision.body)
    # No savepoint of its own: it runs inside the transition that wrote the text, which rolls
    # back with it (alone, it is its own transaction).
    with transaction.atomic(savepoint=False):
        existing = {
            link.attachment.sha256: link
            for link in RevisionAttachment.objects.filter(revision=revision)
            .select_related("attachment")
            .order_by()
        }
        # The files linked already come with their links; only the others are looked up.
        found = {key: link.attachment for key, link in existing.items()}
        if unknown := [key for key in keys if key not in found]:
            found |= {a.sha256: a for a in Attachment.objects.filter(sha256__in=unknown)}
        author = revision.author
        in_text, added, moved = [], [], []
        for position, key in enumerate(keys):
            attachment = found.get(key)
            if attachment is None:
                continue
            link = existing.get(key)
            if link is None:
                if not policy.can_download(attachment, author):
                    continue
                added.append(RevisionAttachment(revision=revision, attachment=attachment,
                                                in_text=True, position=position))  # fmt: skip
            elif not link.in_text or link.position != position:
                link.in_text, link.position = True, position
                moved.append(link)
            in_text.append(attachment)
        gone, left = [], []
        for key, link in existing.items():
            if key in found and found[key] in in_text:
                continue
            if not link.uploaded_here:
                gone.append(link.pk)
            elif link.in_text:
                link.in_text = False
                left.append(link)
        RevisionAttachment.objects.bulk_create(added)
        RevisionAttachment.objects.bulk_update([*moved, *left], ["in_text", "position"])
        if gone:
            RevisionAttachment.objects.filter(pk__in=gone).delete()
    return in_text
