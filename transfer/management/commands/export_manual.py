"""manage.py export_manual: the approved manual (or a volume, or a section) as printable HTML,
PDF or a ZIP of Markdown files."""

from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from transfer import exporting
from transfer.errors import NotFound
from transfer.selectors import scope_of


class Command(BaseCommand):
    help = (
        "Export the approved revisions of the manual, a volume (--volume 3) or a section "
        "(--section 3/ii) as one printable HTML file, a PDF (needs WeasyPrint) or a ZIP of "
        "Markdown files with their attachments. Drafts and work in review are never exported."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=exporting.FORMATS, default="html")
        parser.add_argument("--volume", type=int, help="Only this volume (its number).")
        parser.add_argument("--section", help="Only this section, as VOLUME/NUMERAL, e.g. 3/ii.")
        parser.add_argument("--output", required=True, help="The file to write.")
        parser.add_argument(
            "--processes",
            type=int,
            default=os.cpu_count() or 1,
            help="Lay a long PDF out on this many processes (default: one per core).",
        )

    def handle(self, *args, format, volume, section, output, processes, verbosity, **options):
        numeral = None
        if section:
            number, _, numeral = section.partition("/")
            if not number.isdigit() or not numeral:
                raise CommandError("--section takes VOLUME/NUMERAL, e.g. 3/ii.")
            volume = int(number)
        try:
            scope = scope_of(volume=volume, section=numeral)
        except NotFound as exc:
            raise CommandError(exc.messages[0]) from exc
        if processes < 1:
            raise CommandError("--processes must be 1 or more.")
        if format == "pdf" and not exporting.pdf_available():
            raise CommandError(exporting.WeasyPrintMissing.HOW)

        def progress(n: int, total: int, title: str) -> None:
            if verbosity >= 2 or (verbosity >= 1 and (n == total or n % 25 == 0)):
                self.stderr.write(f"[{n}/{total}] {title}")

        path = Path(output)
        partial = path.with_name(path.name + ".partial")
        try:  # written beside, then renamed: a failed export never leaves half a file
            with partial.open("wb") as out:
                exporting.export(scope, format, out, progress=progress, processes=processes)
            os.replace(partial, path)
        except BrokenProcessPool as exc:
            raise CommandError(
                "A process laying out the PDF stopped (out of memory?). Try --processes 1, "
                "or fewer procedures per part (SOP_EXPORT_PDF_PART_PROCEDURES)."
            ) from exc
        finally:
            partial.unlink(missing_ok=True)
        if verbosity >= 1:
            self.stdout.write(
                f"Exported {len(scope.procedures)} approved procedure(s) of {scope.title} "
                f"as {format} to {path} ({path.stat().st_size:,} bytes)."
            )
