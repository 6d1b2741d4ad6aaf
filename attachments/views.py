"""Serving stored files to those who may see them, and the editor's upload endpoint."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views import View

from procedures.models import Revision

from . import policy
from .errors import AttachmentRefused, TooLarge
from .models import Attachment
from .processing import IMAGE_CONTENT_TYPES, clean_name, human_size
from .transitions import attachment_upload, storage
from .uploads import oversize_uploads

CACHE_CONTROL = "private, max-age=31536000, immutable"


def _download_name(attachment: Attachment, requested: str) -> str:
    """Return the name to save the file as: the link's name, if it keeps the file's type."""
    name = clean_name(requested)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return name if ext == attachment.extension else attachment.name


class FileView(View):
    """GET /files/<sha256>/<name>: the stored file, to whoever may see a revision naming it.

    Anyone else gets 404, as for a file that does not exist, so a hash confirms nothing."""

    http_method_names = ["get", "head"]
    display = False

    def get(self, request, key: str, name: str):
        attachment = Attachment.objects.filter(sha256=key).first()
        if attachment is None or not policy.can_download(attachment, request.user):
            raise Http404("No such file, or not one you may see.")
        stored = attachment.display if self.display else attachment.file
        if not stored:
            raise Http404("This file has no display copy.")
        inline = attachment.content_type in IMAGE_CONTENT_TYPES
        filename = _download_name(attachment, name)
        prefix = settings.SOP_ATTACHMENT_X_ACCEL_PREFIX
        if prefix:
            # nginx sends the bytes from its internal location; the headers below are ours.
            response = HttpResponse(content_type=attachment.content_type)
            response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + stored.name
        else:
            response = FileResponse(
                storage().open(stored.name, "rb"), content_type=attachment.content_type
            )
        response["Content-Disposition"] = content_disposition_header(not inline, filename)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = CACHE_CONTROL
        # Even if a browser were to render a file as a page, it could run nothing.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class DisplayView(FileView):
    """GET /files/<sha256>/display/<name>: the scaled copy of a very wide image."""

    display = True


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


# What an upload refused by the transition answers, most specific first.
UPLOAD_REFUSALS = (
    (TooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (AttachmentRefused, HTTPStatus.BAD_REQUEST),
    (PermissionDenied, HTTPStatus.FORBIDDEN),
    (ValidationError, HTTPStatus.CONFLICT),
)


def _request_problem(request):
    """Return the error response for a request that sent no usable file, or None."""
    refused = oversize_uploads(request)
    if refused:
        limit = human_size(settings.SOP_ATTACHMENT_MAX_BYTES)
        names = ", ".join(f"“{clean_name(name)}”" for _, name in refused)
        return _error(
            f"{names} is over the limit of {limit}; nothing was stored.",
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        )
    if request.FILES.get("file") is None:
        return _error("No file was sent.", HTTPStatus.BAD_REQUEST)
    return None


def _refusal(exc: Exception):
    status = next(status for kind, status in UPLOAD_REFUSALS if isinstance(exc, kind))
    text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    return _error(text, status)


def _uploaded(result):
    attachment = result.attachment
    return JsonResponse(
        {
            "markdown": result.markdown,
            "url": attachment.get_absolute_url(),
            "display_url": attachment.display_url(),
            "name": attachment.name,
            "kind": attachment.kind,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "width": attachment.width,
            "height": attachment.height,
            "stored_already": not result.created,
        },
        status=HTTPStatus.CREATED if result.created else HTTPStatus.OK,
    )


class UploadView(View):
    """POST a file (field `file`, optional `alt`) for one's own draft; JSON back:
    {"markdown", "url", "display_url", "name", "kind", "content_type", "size", ...}."""

    http_method_names = ["post"]

    def post(self, request, revision_id: int):
        revision = get_object_or_404(Revision.objects.select_related("procedure"), pk=revision_id)
        if not policy.can_upload(revision, request.user):
            return _error("Only the author of a draft can add files to it.", HTTPStatus.FORBIDDEN)
        problem = _request_problem(request)
        if problem is not None:
            return problem
        try:
            result = attachment_upload(
                revision=revision, user=request.user, upload=request.FILES["file"],
                alt=request.POST.get("alt", "")[:200],
            )  # fmt: skip
        except (TooLarge, AttachmentRefused, PermissionDenied, ValidationError) as exc:
            return _refusal(exc)
        return _uploaded(result)
