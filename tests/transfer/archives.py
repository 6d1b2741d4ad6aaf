"""Archives for the import tests, built in memory."""

from __future__ import annotations

import io
import zipfile

from PIL import Image


def zip_of(files: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return out.getvalue()


def png(color=(10, 120, 200), size=(30, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def word_document() -> bytes:
    """A .docx with two headings, a paragraph, a bulleted list, a table and an image."""
    import docx

    document = docx.Document()
    document.add_heading("Resetting a password", 1)
    document.add_paragraph("Check who is asking before anything else.")
    document.add_heading("Steps", 2)
    document.add_paragraph("Verify the caller", style="List Bullet")
    document.add_paragraph("Reset in the portal", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "System", (0, 1): "Where", (1, 0): "M365",
                             (1, 1): "Admin centre"}.items():  # fmt: skip
        table.cell(row, col).text = text
    document.add_picture(io.BytesIO(png()))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


GOOD = {
    "01-operations/01-service-desk/01-password-resets.md": (
        "---\ntitle: Password resets\n---\n\n# Resets\n\nCall back on a known number.\n"
    ),
}
