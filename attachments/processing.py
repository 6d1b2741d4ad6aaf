"""What an uploaded file becomes before it is stored: pure functions of bytes and names.

Images are recognised by their content alone (never the name or the client's type), checked
and re-encoded with Pillow, which drops EXIF/GPS and anything else riding along (a polyglot's
HTML, comments, ICC profiles). A plain 8-bit RGB or RGBA PNG, what screenshots are, is rebuilt
from its pixel data instead (`_rebuilt_png`): the same pixels and nothing else, a fresh zlib
stream (zlib-ng's), six times faster than Pillow's encoder, whose search for row filters is most
of it.
Other files are kept as they are if their name's extension is on the allow-list; they are
always served as downloads.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, ImageSequence
from zlib_ng import zlib_ng as zlib  # zlib's interface, inflates 3x and deflates 2x faster

from .errors import AttachmentRefused, TooLarge

# Format Pillow names -> (extension, content type). Only these four are images here.
IMAGE_FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
IMAGE_CONTENT_TYPES = {content_type for _, content_type in IMAGE_FORMATS.values()}
# Content types of the other files, by extension; anything unknown is a plain download.
FILE_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "log": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "md": "text/plain; charset=utf-8",
    "ps1": "text/plain; charset=utf-8",
    "sh": "text/plain; charset=utf-8",
    "json": "application/json",
    "xml": "application/xml",
    "zip": "application/zip",
    "7z": "application/x-7z-compressed",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "vsdx": "application/vnd.ms-visio.drawing",
}
# Inside a name (report.exe.pdf), these betray a file pretending to be something else.
RISKY_EXTENSIONS = {
    "exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "dll", "cpl", "js", "jse", "vbs",
    "vbe", "wsf", "wsh", "hta", "html", "htm", "xhtml", "svg", "jar", "lnk", "reg", "ps1",
    "sh", "php", "asp", "aspx",
}  # fmt: skip
IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "gif", "webp"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_NAME_LENGTH = 120


def _limit() -> int:
    return settings.SOP_ATTACHMENT_MAX_BYTES


def human_size(size: int) -> str:
    """Return a size for people: 512 bytes, 3.2 KB, 20 MB."""
    if size < 1000:
        return f"{size} bytes"
    for unit in ("KB", "MB", "GB"):
        size /= 1000
        if size < 1000 or unit == "GB":
            return f"{size:.1f} {unit}".replace(".0 ", " ")
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Processed:
    """What is stored: the bytes, their hash, the type the app decided, the name to show."""

    content: bytes
    sha256: str
    kind: str  # "image" or "file"
    name: str
    extension: str
    content_type: str
    width: int | None = None
    height: int | None = None
    display: bytes | None = None  # a scaled copy of a very wide image


def clean_name(name: str) -> str:
    """Return a harmless file name: no folders, no control characters, no leading dots."""
    name = unicodedata.normalize("NFKC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if unicodedata.category(ch) in ("Zs", "Zl", "Zp") else ch
        for ch in name
        if not unicodedata.category(ch).startswith("C")  # control, format (RTL override)...
    )
    name = re.sub(r'[<>:"|?*;\[\]()`$]', "_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        name = (
            (stem[: MAX_NAME_LENGTH - len(ext) - 1] + dot + ext) if dot else name[:MAX_NAME_LENGTH]
        )
    return name or "file"


def sniff_image(head: bytes) -> str | None:
    """Return the Pillow format name of one of the four accepted image types, from content."""
    if head.startswith(PNG_SIGNATURE):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _looks_like_svg(head: bytes) -> bool:
    text = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return b"<svg" in text or (text.startswith(b"<?xml") and b"svg" in text)


def process_upload(*, content: bytes, name: str) -> Processed:
    """Return what to store for an uploaded file, or raise AttachmentRefused saying why."""
    limit = _limit()
    if len(content) > limit:
        raise TooLarge(
            f"“{clean_name(name)}” is {human_size(len(content))}; the limit is "
            f"{human_size(limit)}.",
            code="too_large",
        )
    if not content:
        raise AttachmentRefused(f"“{clean_name(name)}” is empty (0 bytes).", code="empty")
    image_format = sniff_image(content[:16])
    if image_format:
        return process_image(content=content, name=name, image_format=image_format)
    cleaned = clean_name(name)
    if _looks_like_svg(content):
        raise AttachmentRefused(
            f"“{cleaned}” is an SVG image; SVG can carry script, so it is not accepted. "
            "Save it as PNG instead.",
            code="svg",
        )
    return process_file(content=content, name=cleaned)


def _check_extension(name: str) -> str:
    allowed = set(settings.SOP_ATTACHMENT_EXTENSIONS)
    parts = name.lower().split(".")
    extension = parts[-1] if len(parts) > 1 else ""
    inner = [part for part in parts[1:-1] if part]
    if extension in IMAGE_EXTENSIONS:
        raise AttachmentRefused(
            f"“{name}” is named like an image but is not a PNG, JPEG, WebP or GIF image.",
            code="not_an_image",
        )
    if extension == "svg":
        raise AttachmentRefused(
            f"“{name}”: SVG images can carry script, so they are not accepted. Save it as PNG.",
            code="svg",
        )
    if extension not in allowed:
        disguise = [part for part in inner if part in allowed or part in IMAGE_EXTENSIONS]
        if disguise:
            raise AttachmentRefused(
                f"“{name}” looks like a .{disguise[-1]} file but is a .{extension} file; "
                "files with a double extension are not accepted.",
                code="double_extension",
            )
        kinds = ", ".join(sorted(allowed))
        raise AttachmentRefused(
            f"“{name}”: {'.' + extension if extension else 'files without an extension'} "
            f"cannot be attached. Accepted: images (PNG, JPEG, WebP, GIF) and {kinds}.",
            code="extension",
        )
    risky = [part for part in inner if part in RISKY_EXTENSIONS]
    if risky:
        raise AttachmentRefused(
            f"“{name}” hides a .{risky[0]} inside its name; files with a double extension "
            "are not accepted. Rename it.",
            code="double_extension",
        )
    return extension


def process_file(*, content: bytes, name: str) -> Processed:
    """Keep a non-image file as it is, if its extension is allowed."""
    extension = _check_extension(name)
    return Processed(
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        kind="file",
        name=name,
        extension=extension,
        content_type=FILE_CONTENT_TYPES.get(extension, "application/octet-stream"),
    )


def _image_name(name: str, extension: str) -> str:
    stem = clean_name(name)
    base, dot, _ = stem.rpartition(".")
    if dot and base:
        stem = base
    # Whatever the name said (screenshot.pdf), the stored type decides the extension.
    stem = stem.replace(".", "_")
    return clean_name(f"{stem}.{extension}")


def process_image(*, content: bytes, name: str, image_format: str) -> Processed:
    """Check an image and re-encode it without its metadata; scale a copy of a wide one."""
    cleaned = clean_name(name)
    extension, content_type = IMAGE_FORMATS[image_format]
    max_pixels = settings.SOP_ATTACHMENT_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow warns (then errors, at twice its limit) on decompression bombs; any
            # warning here refuses the file.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=[image_format])
            width, height = image.size
            if width * height > max_pixels:
                raise AttachmentRefused(
                    f"“{cleaned}” is {width:,} x {height:,} pixels; images may have at most "
                    f"{max_pixels:,} pixels. A file that small cannot honestly be that big: "
                    "it is refused as a decompression bomb.",
                    code="bomb",
                )
            # An animation unpacks every frame: the limit is on all of them together.
            count = getattr(image, "n_frames", 1) if image_format in ("GIF", "WEBP") else 1
            if width * height * count > max_pixels:
                raise AttachmentRefused(
                    f"“{cleaned}” has {count:,} frames of {width:,} x {height:,} pixels; "
                    f"an image may have at most {max_pixels:,} pixels in all frames together: "
                    "it is refused as a decompression bomb.",
                    code="bomb",
                )
            rebuilt = _rebuilt_png(content) if image_format == "PNG" else None
            limit = settings.SOP_ATTACHMENT_DISPLAY_WIDTH
            frames = _frames(image) if rebuilt is None or width > limit else []
    except AttachmentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise AttachmentRefused(
            f"“{cleaned}” unpacks to more than {max_pixels:,} pixels, the most an image may "
            "have: it is refused as a decompression bomb.",
            code="bomb",
        ) from exc
    except Exception as exc:  # Pillow raises many kinds on damaged data
        raise AttachmentRefused(
            f"“{cleaned}” is not a readable {image_format} image ({type(exc).__name__}).",
            code="damaged",
        ) from exc
    encoded = rebuilt or _encode(frames, image_format, durations=image.info.get("duration"))
    display = None
    if width > limit:
        scaled = frames[0].resize(
            (limit, max(1, round(height * limit / width))), Image.Resampling.LANCZOS
        )
        display = _encode([scaled], image_format)
    return Processed(
        content=encoded,
        sha256=hashlib.sha256(encoded).hexdigest(),
        kind="image",
        name=_image_name(name, extension),
        extension=extension,
        content_type=content_type,
        width=width,
        height=height,
        display=display,
    )


def _frames(image: Image.Image) -> list[Image.Image]:
    """Return the image's frames as fresh pixel data, nothing of the file's metadata."""
    image.load()
    frames = []
    for frame in ImageSequence.Iterator(image):
        frame = ImageOps.exif_transpose(frame)  # keep how it looked, then drop the EXIF
        if image.format == "JPEG":
            mode = "L" if frame.mode == "L" else "RGB"
        else:
            mode = "RGBA" if frame.mode in ("P", "PA", "LA", "RGBA", "I;16") else "RGB"
            if frame.mode == "P" and "transparency" not in frame.info:
                mode = "RGB"
        # exif_transpose and convert each return new pixels; the file's metadata rides
        # along only in `info`, emptied here (one copy fewer than pasting into a new image).
        clean = frame if frame.mode == mode else frame.convert(mode)
        clean.info = {}
        frames.append(clean)
        if image.format not in ("GIF", "WEBP"):
            break
    return frames


# Chunks that change what the pixels look like: a PNG holding one goes through Pillow.
_PNG_LOOKS = {b"PLTE", b"tRNS", b"eXIf", b"acTL"}
# zlib-ng's level 5: a 1366 x 768 screenshot in 4.2 ms where 6 takes 5.9, 0.6% bigger.
_PNG_LEVEL = 5


def _png_chunks(content: bytes):
    """Yield a PNG's (type, data) up to IEND; raise ValueError on a truncated or bad-CRC one."""
    pos = len(PNG_SIGNATURE)
    while True:
        if pos + 12 > len(content):
            raise ValueError("truncated")
        length, kind = struct.unpack_from(">I4s", content, pos)
        end = pos + 8 + length
        if end + 4 > len(content):
            raise ValueError("truncated")
        data = content[pos + 8 : end]
        if zlib.crc32(data, zlib.crc32(kind)) != struct.unpack_from(">I", content, end)[0]:
            raise ValueError("bad CRC")
        yield kind, data
        if kind == b"IEND":
            return
        pos = end + 4


def _rebuilt_png(content: bytes) -> bytes | None:
    """Return a plain screenshot PNG (8-bit RGB or RGBA, not interlaced, one still image,
    nothing that turns or colours it) rebuilt from its pixel data alone: every chunk's CRC
    checked, the image data inflated to exactly its rows with valid filters, and deflated
    afresh into IHDR, IDAT, IEND. Return None for any other PNG, damaged ones included:
    Pillow decodes and re-encodes those (and refuses what it cannot read)."""
    try:
        chunks = list(_png_chunks(content))
    except ValueError:
        return None
    header, data = chunks[0][1], []
    for kind, chunk in chunks[1:]:
        if kind in _PNG_LOOKS or (kind not in (b"IDAT", b"IEND") and kind[0] & 0x20 == 0):
            return None  # changes the look, or a critical chunk this reader does not know
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            keyword = chunk.split(b"\0", 1)[0].lower()
            if b"exif" in keyword or b"xmp" in keyword:  # may say how to turn the image
                return None
        if kind == b"IDAT":
            data.append(chunk)
    if chunks[0][0] != b"IHDR" or len(header) != 13:
        return None
    width, height, depth, colour, method, filtering, interlace = struct.unpack(">IIBBBBB", header)
    if not width or not height or depth != 8 or colour not in (2, 6):
        return None
    if (method, filtering, interlace) != (0, 0, 0):
        return None
    stride = 1 + width * (3 if colour == 2 else 4)
    inflater = zlib.decompressobj()
    try:
        rows = inflater.decompress(b"".join(data), stride * height + 1)
    except zlib.error:
        return None
    if not inflater.eof or len(rows) != stride * height or max(rows[::stride]) > 4:
        return None

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    return b"".join([
        PNG_SIGNATURE, chunk(b"IHDR", header), chunk(b"IDAT", zlib.compress(rows, _PNG_LEVEL)),
        chunk(b"IEND", b""),
    ])  # fmt: skip


def _encode(frames: list[Image.Image], image_format: str, durations=None) -> bytes:
    out = io.BytesIO()
    first = frames[0]
    options: dict = {}
    if image_format == "JPEG":
        options = {"quality": 90, "optimize": True}
    elif image_format == "WEBP":
        options = {"quality": 90, "method": 4}
    elif image_format == "PNG":
        options = {"optimize": False, "compress_level": 6}
    if len(frames) > 1:
        options.update(save_all=True, append_images=frames[1:], loop=0)
        if durations:
            options["duration"] = durations
    first.save(out, format=image_format, **options)
    return out.getvalue()
