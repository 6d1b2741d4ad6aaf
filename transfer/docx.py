"""Word documents (.docx) to Markdown: mammoth reads the document as simple HTML (headings,
lists, tables, images), and a small converter here writes that HTML as Markdown (mammoth's
own Markdown writer drops tables). Embedded images are returned as files to attach."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import mammoth

IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


class NotADocument(ValueError):
    """The bytes are not a readable .docx (corrupt, or encrypted: an encrypted one is not a
    ZIP at all)."""


class _Markdown(HTMLParser):
    """Write mammoth's HTML (a small, known set of tags) as Markdown."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # per open list: [kind, counter]
        self.href: list[str] = []
        self.table: list[list[str]] | None = None
        self.cell: list[str] | None = None

    def _write(self, text: str) -> None:
        (self.cell if self.cell is not None else self.out).append(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self._write("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "p" and self.cell is None and not self.lists:
            self._write("\n\n")
        elif tag in ("strong", "b"):
            self._write("**")
        elif tag in ("em", "i"):
            self._write("*")
        elif tag in ("ul", "ol"):
            self.lists.append([tag, 0])
            if len(self.lists) == 1:
                self._write("\n")
        elif tag == "li":
            kind = self.lists[-1] if self.lists else ["ul", 0]
            kind[1] += 1
            bullet = f"{kind[1]}." if kind[0] == "ol" else "-"
            self._write("\n" + "    " * (len(self.lists) - 1) + bullet + " ")
        elif tag == "a":
            self.href.append(attrs.get("href") or "")
            self._write("[")
        elif tag == "img":
            self._write(f"![{attrs.get('alt') or ''}]({attrs.get('src') or ''})")
        elif tag == "br":
            self._write("  \n")
        elif tag == "table":
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th") and self.table is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("strong", "b"):
            self._write("**")
        elif tag in ("em", "i"):
            self._write("*")
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            if not self.lists:
                self._write("\n\n")
        elif tag == "a":
            self._write(f"]({self.href.pop() if self.href else ''})")
        elif tag in ("td", "th") and self.cell is not None and self.table:
            self.table[-1].append(" ".join("".join(self.cell).split()).replace("|", "\\|"))
            self.cell = None
        elif tag == "table" and self.table is not None:
            rows, self.table = [r for r in self.table if r], None
            if rows:
                width = max(len(r) for r in rows)
                rows = [r + [""] * (width - len(r)) for r in rows]
                lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
                lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
                self.out.append("\n\n" + "\n".join(lines) + "\n\n")

    def handle_data(self, data):
        self._write(data)

    def markdown(self) -> str:
        text = "".join(self.out)
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def html_to_markdown(html: str) -> str:
    parser = _Markdown()
    parser.feed(html)
    parser.close()
    return parser.markdown()


def docx_to_markdown(content: bytes, *, folder: str) -> tuple[str, dict[str, bytes]]:
    """Return a .docx's text as Markdown and its images, named `<folder>/image-N.<ext>` as the
    text refers to them. Raises NotADocument."""
    images: dict[str, bytes] = {}

    def keep(image):
        ext = IMAGE_TYPES.get(image.content_type, "bin")
        name = f"{folder}/image-{len(images) + 1}.{ext}"
        with image.open() as f:
            images[name] = f.read()
        return {"src": name, "alt": image.alt_text or ""}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(content), convert_image=mammoth.images.img_element(keep)
        )
    except Exception as exc:  # any failure to read an untrusted file is a refusal
        raise NotADocument(
            "not a readable Word document (.docx): corrupt, or encrypted with a password"
        ) from exc
    return html_to_markdown(result.value), images
