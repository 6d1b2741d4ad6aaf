"""A run as a PDF: the evidence the printed run page gives, as a file to keep or send.

The document is the run page's content without its buttons, in a standalone HTML document
(its style inside it) that transfer's WeasyPrint helper turns into PDF; the footer on every
page says when it was made and from which address, as the printed page's footer does.
"""

from __future__ import annotations

from typing import IO

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from transfer.exporting import WeasyPrintMissing, document_to_pdf, weasyprint_available

from .models import Run

__all__ = ["WeasyPrintMissing", "filename", "pdf_refusal", "render_document", "write_pdf"]


def pdf_refusal() -> str:
    """Return why the site cannot make the PDF (WeasyPrint missing, how to install it), or ""."""
    return "" if weasyprint_available() else WeasyPrintMissing.HOW


def filename(run: Run) -> str:
    """Return the download's name: run-42-acme-monthly-maintenance.pdf (ASCII, no spaces)."""
    parts = ["run", str(run.pk), slugify(run.client.code), slugify(run.procedure.slug)]
    return "-".join(part for part in parts if part)[:120] + ".pdf"


def render_document(run: Run, *, newer=None) -> str:
    """Return the run's evidence as one standalone HTML document (for WeasyPrint)."""
    site = settings.SOP_SITE_URL.rstrip("/")
    context = {
        "run": run,
        "newer": newer,
        "printed_at": timezone.localtime(),
        "address": site + run.get_absolute_url(),
        "organisation": settings.SOP_ORGANISATION_NAME,
    }
    return render_to_string("checklists/run_evidence.html", context)


def write_pdf(run: Run, out: IO[bytes], *, newer=None) -> None:
    """Write the run's evidence as PDF to `out`. Raises WeasyPrintMissing without WeasyPrint."""
    document_to_pdf(render_document(run, newer=newer), out)
