"""Downloads of the manual, and the administrators' import page (preview, then import)."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views import View

from attachments.processing import human_size
from attachments.uploads import oversize_uploads

from . import exporting, importing, policy
from .errors import ImportRefused, NotFound
from .forms import ImportForm
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
        reason = exporting.pdf_refusal(scope) if fmt == "pdf" else ""
        if reason:
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


class ImportView(View):
    """GET the upload form; POST an archive: a preview (nothing kept) or the import itself."""

    template_name = "transfer/import.html"

    def dispatch(self, request, *args, **kwargs):
        if not policy.can_import(request.user):
            raise PermissionDenied("Only administrators can import procedures.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": ImportForm()})

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if oversize_uploads(request):  # skipped while it was read: say so, not "required"
            limit = human_size(settings.SOP_ATTACHMENT_MAX_BYTES)
            form.add_error(None, f"The archive is over {limit}; use manage.py import_manual.")
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        dry_run = request.POST.get("action") != "import"
        context = {"form": ImportForm(), "dry_run": dry_run}
        try:
            context["report"] = importing.import_archive(
                source=form.cleaned_data["archive"], user=request.user, dry_run=dry_run
            )
        except ImportRefused as exc:
            context["problems"] = exc.problems
            return render(request, self.template_name, context, status=400)
        return render(request, self.template_name, context)
