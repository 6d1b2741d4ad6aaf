"""The manual as one printable HTML document, a ZIP of Markdown files, or a PDF.

Everything is written piece by piece to a file-like `out` (a download's response, a command's
output file), one procedure at a time, so the manual is never held whole in memory twice.

Screenshots in the HTML document are embedded as data: URIs: the file is one self-contained
document that prints and opens from a laptop's disk or a mail attachment without the intranet
(the site's CSP allows img-src data:). Links to other files become absolute intranet links.
The PDF is made from the same document, its screenshots read from the media folder instead.
"""

from __future__ import annotations

import base64
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import yaml
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from attachments.models import Attachment
from attachments.transitions import storage

from . import pdf as pdf_parts
from .selectors import Scope, archive_path

FORMATS = ("html", "markdown", "pdf")
EXTENSIONS = {"html": "html", "markdown": "zip", "pdf": "pdf"}
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "markdown": "application/zip",
    "pdf": "application/pdf",
}
# The app's file URLs in rendered and Markdown text: /files/<sha256>[/display]/<name>.
FILE_URL = re.compile(r"/files/([0-9a-f]{64})(?:/display)?/[^\s\"'<>)]*")
HTML_ATTR = re.compile(r'(src|href)="(/[^"]*)"')
HEADING_ID = re.compile(r'(?<=\s)id="([^"]+)"')
IN_PAGE_LINK = re.compile(r'href="#([^"]+)"')

Progress = Callable[[int, int, str], None]


class WeasyPrintMissing(RuntimeError):
    """PDF export needs WeasyPrint (and Pango), which are not installed here."""

    HOW = (
        "PDF export needs WeasyPrint and pikepdf: pip install weasyprint pikepdf (see "
        "requirements-dev.txt) and "
        "the Pango libraries (apt-get install libpango-1.0-0 libpangoft2-1.0-0). The HTML "
        "export prints to PDF from any browser meanwhile."
    )

    def __init__(self):
        super().__init__(self.HOW)


def pdf_refusal(scope: Scope) -> str:
    """Return why the site will not make this PDF itself, or "" if it will."""
    if not pdf_available():
        return WeasyPrintMissing.HOW
    limit = settings.SOP_EXPORT_PDF_MAX_PROCEDURES
    if len(scope.procedures) > limit:
        return (
            f"{scope.title} has {len(scope.procedures)} procedures; the site makes PDFs of up to "
            f"{limit}. Download the printable HTML and print it to PDF from the browser, or ask "
            "an administrator for manage.py export_manual --format pdf."
        )
    return ""


def weasyprint_available() -> bool:
    """Return whether WeasyPrint and its system libraries load."""
    try:
        pdf_parts.weasyprint()
    except (ImportError, OSError):
        return False
    return True


def filename(scope: Scope, fmt: str) -> str:
    return f"{scope.slug}-{timezone.localdate():%Y-%m-%d}.{EXTENSIONS[fmt]}"


def _read(attachment: Attachment, *, display: bool = False) -> bytes:
    stored = attachment.display if display and attachment.display else attachment.file
    with storage().open(stored.name, "rb") as f:
        return f.read()


def _anchor(procedure) -> str:
    return "p-" + procedure.path.replace("/", "-")


def _embedded(attachment: Attachment) -> str:
    data = base64.b64encode(_read(attachment, display=True)).decode()
    return f"data:{attachment.content_type};base64,{data}"


def _body_html(
    procedure,
    files: list[Attachment],
    anchors: dict[str, str],
    image_src: Callable[[Attachment], str] = _embedded,
) -> str:
    """Return the approved revision's HTML with screenshots embedded (or as `image_src` says)
    and links made to work outside the site: to a procedure in the document, its anchor;
    anything else, absolute."""
    by_key = {a.sha256: a for a in files}
    site = settings.SOP_SITE_URL.rstrip("/")

    def rewrite(match: re.Match) -> str:
        attr, url = match.groups()
        file = FILE_URL.fullmatch(url)
        attachment = by_key.get(file.group(1)) if file else None
        if attr == "src" and attachment is not None and attachment.is_image:
            return f'src="{image_src(attachment)}"'
        if attr == "href" and url.split("#")[0] in anchors:
            return f'href="#{anchors[url.split("#")[0]]}"'
        return f'{attr}="{site}{url}"'

    # Headings' ids repeat from one procedure to the next: make them the procedure's own.
    prefix = _anchor(procedure)
    html = HEADING_ID.sub(
        lambda m: f'id="{prefix}-{m.group(1)}"', procedure.current_revision.body_html
    )
    html = IN_PAGE_LINK.sub(lambda m: f'href="#{prefix}-{m.group(1)}"', html)
    return HTML_ATTR.sub(rewrite, html)


def _context(scope: Scope, *, pdf: bool = False) -> dict:
    return {
        "scope": scope,
        "organisation": settings.SOP_ORGANISATION_NAME,
        "footer": settings.SOP_EXPORT_FOOTER,
        "today": timezone.localdate(),
        "site": settings.SOP_SITE_URL.rstrip("/"),
        "pdf": pdf,
        "toc": [(p, _anchor(p)) for p in scope.procedures],
    }


def _anchors(scope: Scope) -> dict[str, str]:
    """Return each procedure's site URL -> its anchor in the document (links jump inside)."""
    return {p.get_absolute_url(): _anchor(p) for p in scope.procedures}


def _procedure_html(
    context: dict, procedure, anchors: dict[str, str], image_src: Callable[[Attachment], str]
) -> str:
    files = context["scope"].files.get(procedure.current_revision_id, [])
    return render_to_string(
        "transfer/export/procedure.html",
        {
            **context,
            "procedure": procedure,
            "revision": procedure.current_revision,
            "anchor": _anchor(procedure),
            "body": _body_html(procedure, files, anchors, image_src),
        },
    )


def html_pieces(scope: Scope, *, progress: Progress | None = None) -> Iterator[str]:
    """Yield the printable HTML document in pieces: cover and contents, then each procedure."""
    context = _context(scope)
    yield render_to_string("transfer/export/start.html", {**context, "cover": True})
    anchors = _anchors(scope)
    total = len(scope.procedures)
    for n, procedure in enumerate(scope.procedures, 1):
        yield _procedure_html(context, procedure, anchors, _embedded)
        if progress:
            progress(n, total, procedure.title)
    yield render_to_string("transfer/export/end.html", context)


def write_html(scope: Scope, out: IO[bytes], *, progress: Progress | None = None) -> None:
    for piece in html_pieces(scope, progress=progress):
        out.write(piece.encode())


def pdf_available() -> bool:
    """Return whether PDFs can be made here: WeasyPrint lays them out, pikepdf joins parts."""
    return weasyprint_available() and pdf_parts.available()


def _runs(procedures: list, count: int) -> list[list]:
    """Cut the procedures, in order, into `count` runs of about the same amount of text."""
    sizes = [len(p.current_revision.body_html) + 2000 for p in procedures]  # + its page head
    target, runs, run, filled = sum(sizes) / count, [], [], 0.0
    for procedure, size in zip(procedures, sizes, strict=True):
        run.append(procedure)
        filled += size
        if filled >= target * (len(runs) + 1) and len(runs) < count - 1:
            runs.append(run)
            run = []
    return [*runs, run] if run else runs


def pdf_documents(scope: Scope, runs: list[list]) -> list[str]:
    """Return the PDF's parts as standalone documents: the cover and contents, then a document
    for each run of procedures. Screenshots are file: URLs into the media folder."""
    context = _context(scope, pdf=True)
    anchors = _anchors(scope)
    end = render_to_string("transfer/export/end.html", context)

    def start(cover: bool) -> str:
        return render_to_string("transfer/export/start.html", {**context, "cover": cover})

    documents = [start(True) + end]
    for run in runs:
        body = "".join(_procedure_html(context, p, anchors, _local_file) for p in run)
        documents.append(start(False) + body + end)
    return documents


def write_pdf(
    scope: Scope, out: IO[bytes], *, progress: Progress | None = None, processes: int = 1
) -> None:
    """Write the document as PDF: page numbers, the section as running header, the footer on
    every page (CSS paged media, `transfer/export/start.html`), the contents linked, one
    bookmark per heading. A long scope is laid out in parts on up to `processes` processes
    (`transfer.pdf`); a web request keeps to one, in its own process."""
    if not pdf_available():
        raise WeasyPrintMissing()
    per_part = settings.SOP_EXPORT_PDF_PART_PROCEDURES
    count = -(-len(scope.procedures) // per_part)
    if processes > 1 and count > 1:
        count = -(-count // processes) * processes  # every process gets as many parts
    runs = _runs(scope.procedures, count) if scope.procedures else []
    done_before = [sum(len(run) for run in runs[:n]) for n in range(len(runs))]

    def done(index: int) -> None:
        if progress and index > 0:  # part 0 is the cover and contents
            for n, procedure in enumerate(runs[index - 1], done_before[index - 1] + 1):
                progress(n, len(scope.procedures), procedure.title)

    documents = pdf_documents(scope, runs)
    with tempfile.TemporaryDirectory(prefix="sop-pdf-") as folder:
        parts = pdf_parts.render_parts(documents, base_url=settings.SOP_SITE_URL, folder=folder,
                                 processes=pdf_parts.processes_for(min(processes, len(documents))),
                                 done=done)  # fmt: skip
        pdf_parts.join(
            parts,
            out,
            numbers_document=lambda pages: render_to_string(
                "transfer/export/page_numbers.html", {"pages": range(pages)}
            ),
            base_url=settings.SOP_SITE_URL,
            title=f"{settings.SOP_ORGANISATION_NAME} · {scope.title}",
        )


def document_to_pdf(document: str, out: IO[bytes]) -> None:
    """Write a standalone HTML document (its style inside it) as PDF with WeasyPrint.

    Other apps' PDFs (a checklist run's evidence) come through here too, so there is one
    place that knows WeasyPrint, its base URL and what to say when it is missing."""
    if not weasyprint_available():
        raise WeasyPrintMissing()
    pdf_parts.weasyprint().HTML(string=document, base_url=settings.SOP_SITE_URL).write_pdf(out)


def _local_file(attachment: Attachment) -> str:
    """Return a stored image's file: URL where the storage is a local folder (else embed it):
    WeasyPrint then parses no base64 and reads the file only when it writes the PDF."""
    stored = attachment.display if attachment.display else attachment.file
    try:
        return Path(storage().path(stored.name)).as_uri()
    except NotImplementedError:
        return _embedded(attachment)


def front_matter(procedure) -> dict:
    revision, section = procedure.current_revision, procedure.section
    return {
        "title": procedure.title,
        "slug": procedure.slug,
        "volume": section.volume.title,
        "volume_number": section.volume.number,
        "section": section.title,
        "section_numeral": section.numeral,
        "section_position": section.position,
        "position": procedure.position,
        "revision": revision.number,
        "approved_by": revision.reviewer.get_username() if revision.reviewer else None,
        "approved_at": revision.reviewed_at.isoformat() if revision.reviewed_at else None,
        "owner": procedure.owner.get_username() if procedure.owner else None,
    }


def _file_names(files: list[Attachment]) -> dict[str, str]:
    """Return a name in the archive for each file (sha256 -> name), unique per procedure."""
    names: dict[str, str] = {}
    for attachment in files:
        name = attachment.url_name
        if name in names.values():
            name = f"{attachment.sha256[:12]}-{name}"
        names[attachment.sha256] = name
    return names


def markdown_text(procedure, files: list[Attachment]) -> tuple[str, dict[str, str]]:
    """Return a procedure's file text (front matter and Markdown, file links made relative)
    and the archive names of its files."""
    stem = archive_path(procedure).rsplit("/", 1)[-1]
    names = _file_names(files)

    def relative(match: re.Match) -> str:
        name = names.get(match.group(1))
        return f"{stem}.files/{name}" if name else match.group(0)

    body = FILE_URL.sub(relative, procedure.current_revision.body)
    meta = yaml.safe_dump(front_matter(procedure), sort_keys=False, allow_unicode=True)
    # The body exactly as approved (the import strips the one blank line after the front matter).
    return f"---\n{meta}---\n\n{body}", names


def _copy_into(archive: zipfile.ZipFile, name: str, attachment: Attachment) -> None:
    """Copy a stored file into the archive from storage, in chunks. PNG, JPEG, WebP and GIF
    are compressed already: deflating them again costs time and saves nothing."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_STORED if attachment.is_image else zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16  # as writestr() gives a file
    with storage().open(attachment.file.name, "rb") as source, archive.open(info, "w") as target:
        shutil.copyfileobj(source, target, 1 << 20)


def write_markdown_zip(scope: Scope, out: IO[bytes], *, progress: Progress | None = None) -> None:
    """Write a ZIP of one Markdown file per procedure, its files in a folder beside it."""
    total = len(scope.procedures)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, procedure in enumerate(scope.procedures, 1):
            files = scope.files.get(procedure.current_revision_id, [])
            text, names = markdown_text(procedure, files)
            path = archive_path(procedure)
            archive.writestr(f"{path}.md", text)
            for attachment in files:
                _copy_into(archive, f"{path}.files/{names[attachment.sha256]}", attachment)
            if progress:
                progress(n, total, procedure.title)


WRITERS = {"html": write_html, "markdown": write_markdown_zip}  # pdf: write_pdf, below


def export(
    scope: Scope, fmt: str, out: IO[bytes], *, progress: Progress | None = None,
    processes: int = 1,
) -> None:  # fmt: skip
    """Write the scope in the format ("html", "markdown" or "pdf") to `out` (a PDF on up to
    `processes` processes)."""
    if fmt == "pdf":
        write_pdf(scope, out, progress=progress, processes=processes)
    else:
        WRITERS[fmt](scope, out, progress=progress)
