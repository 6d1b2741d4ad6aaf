"""The edit form's plain file field (the path without JavaScript), added by one hook in
procedures.forms.DraftForm, and what the edit view does with it."""

from __future__ import annotations

from crispy_forms.layout import Field
from django import forms
from django.conf import settings

from .errors import TooLarge
from .processing import clean_name, human_size
from .transitions import attachment_upload
from .uploads import oversize_uploads

FILE_FIELD = "attachment"
ALT_FIELD = "attachment_alt"


def add_attachment_fields(form: forms.Form) -> None:
    """Give a draft form a file field and its description, below the text."""
    limit = human_size(settings.SOP_ATTACHMENT_MAX_BYTES)
    form.fields[FILE_FIELD] = forms.FileField(
        label="Add an image or file",
        required=False,
        help_text=(
            f"Stored when you save, and its Markdown added at the end of the text. Images: "
            f"PNG, JPEG, WebP, GIF; files: {', '.join(settings.SOP_ATTACHMENT_EXTENSIONS)}; "
            f"up to {limit}."
        ),
        widget=forms.ClearableFileInput(attrs={"class": "attachment-plain-input"}),
    )
    form.fields[ALT_FIELD] = forms.CharField(
        label="Description of the image or file",
        required=False,
        max_length=200,
        help_text="What it shows, for those who cannot see it (default: its file name).",
    )
    layout = getattr(getattr(form, "helper", None), "layout", None)
    if layout is not None:
        layout.insert(1, Field(FILE_FIELD, wrapper_class="attachment-plain"))
        layout.insert(2, Field(ALT_FIELD, wrapper_class="attachment-plain"))


def attach_from_form(*, request, revision, data: dict) -> str:
    """Store the form's file (if any) for the draft; return the body with its Markdown added.

    Raises AttachmentRefused (or NotAllowed); the caller keeps the text in the form."""
    body = data["body"]
    refused = oversize_uploads(request)
    if refused:
        limit = human_size(settings.SOP_ATTACHMENT_MAX_BYTES)
        raise TooLarge(
            f"“{clean_name(refused[0][1])}” is over the limit of {limit}; nothing was saved. "
            "Your text is below.",
            code="too_large",
        )
    upload = data.get(FILE_FIELD)
    if not upload:
        return body
    result = attachment_upload(
        revision=revision, user=request.user, upload=upload, alt=data.get(ALT_FIELD) or ""
    )
    return body.rstrip("\n") + ("\n\n" if body.strip() else "") + result.markdown + "\n"
