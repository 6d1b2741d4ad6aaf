"""Downloads of the manual."""

from __future__ import annotations

import tempfile

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views import View

from . import exporting, policy
from .errors import NotFound
from .selectors import scope_of


class ExportView(View):
    """GET /export/<format>/[<volume>/[<section>/[<slug>/]]]: approved text as a download."""

    http_method_names = ["get", "head"]

    def get(self, request, fmt: str, volume=None, section=None, slug=None):
        if not policy.can_export(request.user):
            raise PermissionDenied("You may not export the manual.")
        try:
            scope = scope_of(volume=volume, section=section, slug=slug)
        except NotFound as exc:
            return render(request, "transfer/refused.html", {"reason": exc.messages[0]}, status=404)
        if fmt == "pdf" and not exporting.weasyprint_available():
            reason = exporting.WeasyPrintMissing.HOW
            return render(request, "transfer/refused.html", {"reason": reason}, status=404)
        name = exporting.filename(scope, fmt)
        if fmt == "html":  # streamed, one procedure at a time
            pieces = (piece.encode() for piece in exporting.html_pieces(scope))
            response = StreamingHttpResponse(pieces, content_type=exporting.CONTENT_TYPES[fmt])
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        # On disk, not in memory; FileResponse closes (and so deletes) it when sent.
        out = tempfile.TemporaryFile()  # noqa: SIM115
        exporting.export(scope, fmt, out)
        out.seek(0)
        return FileResponse(out, as_attachment=True, filename=name)
