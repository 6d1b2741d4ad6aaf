"""A long document as PDF on every core: WeasyPrint lays out parts, pikepdf joins them.

WeasyPrint lays a document out on one core (about half a second per 20 kB procedure) and holds
all of it in memory until it is written: the whole manual took 93 s and 760 MB. Here the
manual comes as parts (the cover and contents, then runs of procedures), each laid out in a
process of its own (`render_part`, which needs no Django) and written to a temporary file.
Then `join` puts the pages together in order with pikepdf and does what WeasyPrint would have
done across the whole document: "Page N of M" on every page (stamped from an overlay of empty
numbered pages), every internal link pointed at its target's page (the contents' links cross
parts), and the bookmarks (the PDF's outline) in one tree.

The parts' own internal links are taken out before they are written: WeasyPrint would warn
about, and drop, those whose target lies in another part.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import shutil
import struct
import tempfile
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

PX_TO_PT = 0.75  # WeasyPrint measures in CSS pixels (96 per inch), PDF in points (72)


@dataclass
class Part:
    """One laid-out part: its PDF file and what joining needs, in PDF points per page."""

    path: str
    heights: list[float] = field(default_factory=list)  # each page's height
    anchors: dict[str, tuple[int, float, float]] = field(default_factory=dict)  # page, x, y
    links: list[tuple[int, str, tuple[float, float, float, float]]] = field(default_factory=list)
    bookmarks: list[tuple[int, str, int, float, float]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return len(self.heights)


def weasyprint():
    """Return the weasyprint module (ImportError or OSError when it or Pango is missing).

    Importing WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process
    (weasyprint/images.py); it is set back here, so that a screenshot cut short is still
    refused as damaged by attachments.processing in a process that once made a PDF. Every
    import of WeasyPrint goes through here."""
    import weasyprint as module
    from PIL import ImageFile
    from weasyprint.images import RasterImage

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    if not hasattr(RasterImage._get_png_data, "reencoded"):
        RasterImage._get_png_data = staticmethod(_png_data_as_stored(RasterImage._get_png_data))
    return module


def _png_data_as_stored(reencoded: Callable) -> Callable:
    """Wrap WeasyPrint's `RasterImage._get_png_data`, which decodes every PNG and encodes it
    again only to take its image data (IDAT) for the PDF: a third of the PDF's time with three
    screenshots a procedure. An 8-bit RGB PNG without interlacing (what the attachments app
    stores) has that data already, in the form the PDF's FlateDecode with PNG predictors reads:
    it is taken as it is, each chunk's CRC checked. Any other image is WeasyPrint's to do."""

    def png_data(pillow_image) -> bytes:
        source = getattr(pillow_image, "fp", None)
        if (pillow_image.format, pillow_image.mode) == ("PNG", "RGB") and isinstance(
            source, io.BytesIO
        ):
            data = _rgb_png_data(source.getvalue())
            if data is not None:
                return data
        return reencoded(pillow_image)

    png_data.reencoded = reencoded
    return png_data


def _rgb_png_data(content: bytes) -> bytes | None:
    """Return the joined IDAT of an 8-bit RGB, non-interlaced PNG, or None for any other."""
    if content[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    data, position = [], 8
    while position + 12 <= len(content):
        (length,) = struct.unpack_from(">I", content, position)
        kind = content[position + 4 : position + 8]
        body = content[position + 8 : position + 8 + length]
        (crc,) = struct.unpack_from(">I", content, position + 8 + length) if (
            position + 12 + length <= len(content)) else (None,)  # fmt: skip
        if crc is None or zlib.crc32(kind + body) != crc:
            return None
        if position == 8 and (kind != b"IHDR" or body[8:13] != b"\x08\x02\x00\x00\x00"):
            return None  # not 8 bits, RGB, deflate, adaptive filtering, not interlaced
        if kind == b"IDAT":
            data.append(body)
        if kind == b"IEND":
            return b"".join(data) or None
        position += 12 + length
    return None


def available() -> bool:
    """Return whether WeasyPrint (with its Pango libraries) and pikepdf load."""
    try:
        import pikepdf  # noqa: F401

        weasyprint()
    except (ImportError, OSError):
        return False
    return True


def render_part(document: str, base_url: str, path: str) -> Part:
    """Lay out a standalone HTML document and write it as PDF to `path`, without its
    internal links (`join` makes them); return where its anchors, links and bookmarks are."""
    rendered = weasyprint().HTML(string=document, base_url=base_url).render()
    part = Part(path=path)
    for number, page in enumerate(rendered.pages):
        height = page.height
        part.heights.append(height * PX_TO_PT)

        def point(x: float, y: float) -> tuple[float, float]:
            return x * PX_TO_PT, (height - y) * PX_TO_PT  # noqa: B023 (used at once)

        for name, (x, y, _, _) in page.anchors.items():
            part.anchors.setdefault(name, (number, *point(x, y)))
        kept = []
        for link in page.links:
            kind, target, (x1, y1, x2, y2), _ = link  # (the docs say x, y, width, height)
            if kind != "internal":
                kept.append(link)
                continue
            left, top = point(x1, y1)
            right, bottom = point(x2, y2)
            part.links.append((number, target, (left, bottom, right, top)))
        page.links = kept
        for level, label, (x, y), _ in page.bookmarks:
            part.bookmarks.append((level, label, number, *point(x, y)))
    rendered.write_pdf(path)
    return part


def render_parts(
    documents: Sequence[str],
    *,
    base_url: str,
    folder: str,
    processes: int = 1,
    done: Callable[[int], None] | None = None,
) -> list[Part]:
    """Render each document into `folder`, on up to `processes` processes (here if 1); call
    `done(index)` as each part is finished. Returns the parts in the documents' order."""
    paths = [str(Path(folder) / f"part-{n:04d}.pdf") for n in range(len(documents))]
    if processes <= 1 or len(documents) <= 1:
        parts = []
        for n, (document, path) in enumerate(zip(documents, paths, strict=True)):
            parts.append(render_part(document, base_url, path))
            if done:
                done(n)
        return parts
    # spawn, not fork: a fresh interpreter that imports this module and WeasyPrint only,
    # nothing of the parent's threads, database connections or Django.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = [
            pool.submit(render_part, document, base_url, path)
            for document, path in zip(documents, paths, strict=True)
        ]
        parts = []
        for n, future in enumerate(futures):
            parts.append(future.result())
            if done:
                done(n)
    return parts


def join(
    parts: Sequence[Part], out: IO[bytes], *, numbers_document: Callable[[int], str],
    base_url: str, title: str,
) -> None:  # fmt: skip
    """Write the parts as one PDF to `out`: pages in order, numbered (`numbers_document(M)`
    is a document of M empty pages carrying only the page numbers), links resolved across
    parts, one outline."""
    import pikepdf

    total = sum(part.pages for part in parts)
    numbered = weasyprint().HTML(string=numbers_document(total), base_url=base_url).write_pdf()
    numbers = pikepdf.open(io.BytesIO(numbered))
    pdf = pikepdf.new()
    sources = [pikepdf.open(part.path) for part in parts]
    try:
        offsets, anchors = [], {}
        for part, source in zip(parts, sources, strict=True):
            offset = len(pdf.pages)
            offsets.append(offset)
            pdf.pages.extend(source.pages)
            for name, (page, x, y) in part.anchors.items():
                anchors.setdefault(name, (offset + page, x, y))
        for page, number in zip(pdf.pages, numbers.pages, strict=True):
            page.add_overlay(number)
        for part, offset in zip(parts, offsets, strict=True):
            for page, target, rect in part.links:
                if target in anchors:
                    _link(pdf, offset + page, rect, anchors[target])
        _outline(pdf, [
            (level, label, offset + page, x, y)
            for part, offset in zip(parts, offsets, strict=True)
            for level, label, page, x, y in part.bookmarks
        ])  # fmt: skip
        pdf.docinfo[pikepdf.Name.Title] = title
        pdf.docinfo[pikepdf.Name.Creator] = "msp_sop (WeasyPrint, pikepdf)"
        with tempfile.TemporaryFile() as joined:
            pdf.save(joined)
            joined.seek(0)
            shutil.copyfileobj(joined, out, 1 << 20)
    finally:
        for source in sources:
            source.close()
        numbers.close()


def _link(pdf, page: int, rect, target: tuple[int, float, float]) -> None:
    import pikepdf

    target_page, x, y = target
    annotation = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=list(rect),
            Border=[0, 0, 0],
            Dest=[pdf.pages[target_page].obj, pikepdf.Name.XYZ, x, y, 0],
        )
    )
    owner = pdf.pages[page].obj
    if pikepdf.Name.Annots not in owner:
        owner[pikepdf.Name.Annots] = pikepdf.Array()
    owner[pikepdf.Name.Annots].append(annotation)


def _outline(pdf, bookmarks: list[tuple[int, str, int, float, float]]) -> None:
    """Nest the bookmarks by level (h1 > h2 > ...) as WeasyPrint's own outline does."""
    import pikepdf

    with pdf.open_outline() as outline:
        stack: list[tuple[int, pikepdf.OutlineItem]] = []
        for level, label, page, x, y in bookmarks:
            item = pikepdf.OutlineItem(label, page, "XYZ", left=x, top=y)
            while stack and stack[-1][0] >= level:
                stack.pop()
            (stack[-1][1].children if stack else outline.root).append(item)
            stack.append((level, item))


def processes_for(count: int) -> int:
    """Return how many processes to lay out `count` parts on: one per core, at most."""
    return max(1, min(count, os.cpu_count() or 1))
