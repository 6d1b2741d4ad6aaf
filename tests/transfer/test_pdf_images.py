"""Screenshots in a PDF show the same pixels, whether their data is taken as stored (8-bit
RGB PNG, what the attachments app keeps) or decoded and encoded again by WeasyPrint."""

import io
import random
import struct
import zlib

import pytest
from PIL import Image

from transfer import exporting

pytestmark = pytest.mark.skipif(
    not exporting.weasyprint_available(), reason="WeasyPrint is not installed"
)


def _image(mode: str, width: int) -> Image.Image:
    size = (width, 41)
    rng = random.Random(mode)
    bands = len(mode) if mode in ("RGB", "RGBA", "LA") else 1
    return Image.frombytes(mode, size, rng.randbytes(size[0] * size[1] * bands))


def _png(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **options)
    return out.getvalue()


def _png_16_bit(image: Image.Image) -> bytes:
    """An RGB PNG of 16 bits a sample (Pillow reads it as "RGB" but cannot write one)."""
    rows = b"".join(
        b"\0"
        + b"".join(bytes([v, v]) for v in image.tobytes()[y * image.width * 3 :][: image.width * 3])
        for y in range(image.height)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", image.width, image.height, 16, 2, 0, 0, 0)
    return b"".join([b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", header),
                     chunk(b"IDAT", zlib.compress(rows)), chunk(b"IEND", b"")])  # fmt: skip


def _idat(content: bytes) -> bytes:
    data, position = [], 8
    while position < len(content):
        (length,) = struct.unpack_from(">I", content, position)
        if content[position + 4 : position + 8] == b"IDAT":
            data.append(content[position + 8 : position + 8 + length])
        position += 12 + length
    return b"".join(data)


def _pdf_images(files: dict[str, bytes], tmp_path) -> list[tuple[bytes, bytes]]:
    """Return each image of the PDF made of the files: its RGB pixels and its stream's data."""
    import pikepdf

    from transfer.pdf import weasyprint

    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    # Each at its own size in CSS pixels, so none is scaled for the page.
    body = "".join(f'<p><img src="{name}"></p>' for name in files)
    html = weasyprint().HTML(string=f"<html><body>{body}</body></html>", base_url=str(tmp_path))
    path = tmp_path / "images.pdf"
    html.write_pdf(path)
    images = []
    with pikepdf.open(path) as pdf:
        # The pages share one dictionary of images: each is told by its width.
        by_width = {int(image.Width): image for image in pdf.pages[0].get_images().values()}
        for content in files.values():
            stream = by_width[Image.open(io.BytesIO(content)).width]
            pixels = pikepdf.PdfImage(stream).as_pil_image().convert("RGB").tobytes()
            images.append((pixels, stream.read_raw_bytes()))
    return images


def test_screenshots_keep_their_pixels_in_the_pdf(tmp_path):
    rgb, fast, rgba = _image("RGB", 97), _image("RGB", 98), _image("RGBA", 99)
    palette, deep = _image("RGB", 100).convert("P"), _image("RGB", 101)
    files = {
        "rgb.png": _png(rgb),
        "rgb-fast.png": _png(fast, compress_level=1),
        "rgba.png": _png(rgba),
        "palette.png": _png(palette),
        "rgb-16-bit.png": _png_16_bit(deep),
    }
    images = _pdf_images(files, tmp_path)
    assert len(images) == len(files)
    expected = [rgb, fast, rgba.convert("RGB"), palette.convert("RGB"), deep]
    for (pixels, _), original, name in zip(images, expected, files, strict=True):
        assert pixels == original.tobytes(), name
    # The 8-bit RGB ones went in as stored: their image data is the file's own.
    for (_, data), name in zip(images[:2], list(files)[:2], strict=True):
        assert data == _idat(files[name]), name
