"""Files for the attachment tests: real images made with Pillow, and hostile ones."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from attachments.models import Attachment, RevisionAttachment
from attachments.transitions import attachment_upload, record_revision_attachments
from procedures.linking import render_body

# A GPS position in EXIF (IFD 0x8825): latitude 51° 30' N, longitude 0° 7' W.
GPS_IFD = 0x8825


def image_bytes(fmt: str = "PNG", size=(40, 30), color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    mode = "RGB" if fmt == "JPEG" else "RGBA"
    Image.new(mode, size, color + ((255,) if mode == "RGBA" else ())).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "SecretCam 1.0"  # Software
    exif.get_ifd(GPS_IFD).update(
        {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPSLatitude...
    )
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def upload(content: bytes, name: str, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def attach(draft, content: bytes | None = None, name: str = "screen.png") -> Attachment:
    """Upload a file to a draft as its author and put its Markdown in the saved text."""
    result = attachment_upload(
        revision=draft,
        user=draft.author,
        upload=upload(image_bytes() if content is None else content, name),
    )
    draft.body = draft.body + "\n\n" + result.markdown
    render_body(draft)  # as the workflow does wherever it writes a body
    draft.save()
    record_revision_attachments(revision=draft)
    return result.attachment


def store_for(revision, content: bytes, name: str) -> Attachment:
    """Store a file and link it to any revision (whatever its state) through its text."""
    from attachments.processing import process_upload
    from attachments.transitions import _save_processed

    processed = process_upload(content=content, name=name)
    attachment = _save_processed([processed], revision.author)[0][processed.sha256]
    RevisionAttachment.objects.get_or_create(
        revision=revision, attachment=attachment, defaults={"in_text": True}
    )
    return attachment
