"""What an upload becomes: images re-encoded without metadata, hostile files refused."""

import io
import struct
import zlib

import pytest
from django.test import override_settings
from PIL import Image

from attachments.errors import AttachmentRefused, TooLarge
from attachments.processing import clean_name, human_size, process_upload
from tests.attachments.files import GPS_IFD, image_bytes, jpeg_with_gps

PNG = image_bytes("PNG")
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def refused(content: bytes, name: str) -> AttachmentRefused:
    with pytest.raises(AttachmentRefused) as caught:
        process_upload(content=content, name=name)
    return caught.value


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_the_four_image_types_are_accepted_and_re_encoded(fmt):
    result = process_upload(content=image_bytes(fmt), name=f"Screen shot.{fmt.lower()}")
    assert result.kind == "image"
    assert result.content_type == f"image/{'jpeg' if fmt == 'JPEG' else fmt.lower()}"
    assert Image.open(io.BytesIO(result.content)).format == fmt
    assert (result.width, result.height) == (40, 30)


def test_the_type_comes_from_the_content_never_the_name():
    result = process_upload(content=image_bytes("JPEG"), name="notes.png")
    assert (result.content_type, result.name) == ("image/jpeg", "notes.jpg")


def test_exif_and_gps_are_stripped():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test means it
    assert b"SecretCam" in original
    result = process_upload(content=original, name="site-photo.jpg")
    stored = Image.open(io.BytesIO(result.content))
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info
    assert b"SecretCam" not in result.content and b"PhoneMaker" not in result.content


def test_html_renamed_png_is_refused():
    error = refused(HTML, "screenshot.png")
    assert error.code == "not_an_image"
    assert "not a PNG, JPEG, WebP or GIF image" in error.messages[0]


def test_png_html_polyglot_is_neutralised_by_re_encoding():
    # A valid PNG with HTML in a text chunk and after the end: a browser sniffing it could
    # read a page. Only the pixels survive re-encoding.
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", HTML.decode())
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 255, 0)).save(out, "PNG", pnginfo=info)
    polyglot = out.getvalue() + HTML
    result = process_upload(content=polyglot, name="innocent.png")
    assert b"<script" not in result.content and b"<html" not in result.content
    assert Image.open(io.BytesIO(result.content)).getpixel((3, 3)) == (0, 255, 0)


@pytest.mark.parametrize(
    "content",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    ],
)
@pytest.mark.parametrize("name", ["diagram.svg", "diagram.txt", "diagram.png"])
def test_svg_is_refused_whatever_its_name(content, name):
    assert refused(content, name).code in ("svg", "not_an_image")


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels (the pixel data is a few bytes)."""
    small = image_bytes("PNG", size=(1, 1))
    ihdr = struct.pack(">II", width, height) + small[24:29]
    chunk = b"IHDR" + ihdr
    return (
        small[:8]
        + struct.pack(">I", 13)
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + small[33:]
    )


def test_a_decompression_bomb_is_refused_with_a_clear_message():
    # 8,000 x 8,000 pixels (256 MB unpacked) claimed by a file of under 100 bytes.
    bomb = bomb_png(8_000, 8_000)
    assert len(bomb) < 100
    error = refused(bomb, "bomb.png")
    assert error.code == "bomb"
    assert "is 8,000 x 8,000 pixels; images may have at most 40,000,000" in error.messages[0]
    assert "decompression bomb" in error.messages[0]


def test_a_far_bigger_bomb_is_stopped_by_pillow_itself_with_the_same_message():
    error = refused(bomb_png(60_000, 60_000), "bomb.png")
    assert error.code == "bomb"
    assert "more than 40,000,000 pixels" in error.messages[0]


def test_pillows_own_bomb_guard_also_refuses(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    error = refused(image_bytes("PNG", size=(100, 100)), "big.png")
    assert error.code == "bomb"


def test_an_empty_file_is_refused():
    error = refused(b"", "empty.pdf")
    assert error.code == "empty" and "empty (0 bytes)" in error.messages[0]


@override_settings(SOP_ATTACHMENT_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(TooLarge) as caught:
        process_upload(content=b"x" * 1001, name="big.txt")
    assert "the limit is 1 KB" in caught.value.messages[0]


def test_a_double_extension_is_refused():
    error = refused(b"MZ\x90\x00 pretend program", "report.pdf.exe")
    assert error.code == "double_extension"
    assert "looks like a .pdf file but is a .exe file" in error.messages[0]
    assert refused(b"MZ...", "invoice.exe.pdf").code == "double_extension"


def test_an_extension_not_on_the_allow_list_is_refused():
    error = refused(b"MZ\x90\x00", "setup.exe")
    assert error.code == "extension" and ".exe cannot be attached" in error.messages[0]


def test_allowed_files_are_kept_as_they_are():
    pdf = b"%PDF-1.7\n% a document\n"
    result = process_upload(content=pdf, name="Runbook v2.pdf")
    assert (result.content, result.kind, result.content_type) == (pdf, "file", "application/pdf")
    assert result.name == "Runbook v2.pdf"
    script = process_upload(content=b"Get-Service\n", name="check.ps1")
    assert script.content_type.startswith("text/plain")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
        ("evil\x00name\r\n.txt", "evilname.txt"),
        ("\u202etxt.exe.pdf", "txt.exe.pdf"),  # right-to-left override dropped
        ("  ..hidden.txt  ", "hidden.txt"),
        ('a<b>"c|d?.txt', "a_b__c_d_.txt"),
        ("", "file"),
    ],
)
def test_names_are_neutralised(name, expected):
    assert clean_name(name) == expected


def test_a_traversal_name_is_stored_under_its_last_part():
    result = process_upload(content=b"notes\n", name="../../../var/secret/notes.txt")
    assert result.name == "notes.txt"


@override_settings(SOP_ATTACHMENT_DISPLAY_WIDTH=1600)
def test_a_very_wide_screenshot_gets_a_scaled_display_copy():
    result = process_upload(content=image_bytes("PNG", size=(3200, 200)), name="wide.png")
    assert Image.open(io.BytesIO(result.content)).size == (3200, 200)
    assert Image.open(io.BytesIO(result.display)).size == (1600, 100)
    narrow = process_upload(content=PNG, name="narrow.png")
    assert narrow.display is None


def test_sizes_are_told_in_words():
    assert [human_size(n) for n in (5, 1000, 1500, 20_000_000)] == [
        "5 bytes", "1 KB", "1.5 KB", "20 MB",
    ]  # fmt: skip


def test_an_animated_gif_keeps_its_frames():
    frames = [
        Image.new("RGB", (20, 20), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))
    ]
    out = io.BytesIO()
    frames[0].save(
        out,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=200,
        loop=0,
        comment=b"<script>",
    )
    result = process_upload(content=out.getvalue(), name="blink.gif")
    stored = Image.open(io.BytesIO(result.content))
    assert (stored.format, stored.n_frames) == ("GIF", 3)
    assert b"<script>" not in result.content


@override_settings(SOP_ATTACHMENT_MAX_PIXELS=100_000)
def test_an_animation_of_many_large_frames_is_refused_as_a_bomb():
    frames = [Image.new("L", (200, 200), shade) for shade in range(0, 250, 50)]  # 5 x 40,000 px
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    error = refused(out.getvalue(), "many.gif")
    assert error.code == "bomb"
    assert "has 5 frames of 200 x 200 pixels" in error.messages[0]


def png_chunk_types(content: bytes) -> list[bytes]:
    types, pos = [], 8
    while pos < len(content):
        (length,) = struct.unpack(">I", content[pos : pos + 4])
        types.append(content[pos + 4 : pos + 8])
        pos += 12 + length
    return types


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_a_screenshot_png_keeps_its_pixels_and_nothing_else(mode):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "SecretHost 10.0.0.7")
    info.add_itxt("Author", "PhoneMaker", zip=True)
    picture = Image.effect_noise((120, 80), 60).convert(mode)  # every pixel its own
    out = io.BytesIO()
    picture.save(out, "PNG", pnginfo=info, dpi=(144, 144))
    original = out.getvalue() + HTML
    result = process_upload(content=original, name="screen.png")
    assert png_chunk_types(result.content) == [b"IHDR", b"IDAT", b"IEND"]
    assert b"SecretHost" not in result.content and b"<script" not in result.content
    stored = Image.open(io.BytesIO(result.content))
    assert (stored.mode, stored.size) == (mode, (120, 80))
    assert stored.tobytes() == picture.tobytes()
    assert process_upload(content=original, name="again.png").sha256 == result.sha256


def png_of(width: int, height: int, idat: bytes) -> bytes:
    """An 8-bit RGB PNG of the given IDAT data, every chunk's CRC right."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def test_a_screenshot_keeps_none_of_the_uploaders_compressed_bytes():
    # The pixel rows stored verbatim (deflate's stored blocks) spell out a page, and more of
    # it rides after the end of the zlib stream: a browser sniffing the file would find HTML.
    # Only the pixels are kept, compressed afresh.
    width = len(HTML) // 3 + 1
    row = b"\0" + HTML.ljust(width * 3, b" ")
    original = png_of(width, 4, zlib.compress(row * 4, 0) + HTML)
    assert original.count(b"<script>") == 5
    result = process_upload(content=original, name="page.png")
    assert b"<script" not in result.content
    assert png_chunk_types(result.content) == [b"IHDR", b"IDAT", b"IEND"]
    stored = Image.open(io.BytesIO(result.content))
    assert stored.size == (width, 4) and stored.tobytes() == row[1:] * 4


def test_a_png_turned_by_its_exif_is_still_shown_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, "PNG", exif=exif.tobytes())
    result = process_upload(content=out.getvalue(), name="phone.png")
    stored = Image.open(io.BytesIO(result.content))
    assert stored.size == (30, 40) and b"eXIf" not in result.content


@pytest.mark.parametrize(
    "damage",
    [
        lambda png: png[: len(png) // 2],  # cut off mid-data
        lambda png: png[:60] + bytes(b ^ 0xFF for b in png[60:70]) + png[70:],  # data flipped
    ],
    ids=["truncated", "corrupted"],
)
def test_a_damaged_png_is_refused_saying_so(damage):
    out = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(out, "PNG")
    error = refused(damage(out.getvalue()), "broken.png")
    assert error.code == "damaged"
    assert "is not a readable PNG image" in error.messages[0]


def test_a_cut_short_png_is_refused_even_after_weasyprint_was_loaded():
    # WeasyPrint tells Pillow, for the whole process, to pad images cut short; a server that
    # once showed the PDF button must still refuse a half-uploaded screenshot.
    from PIL import ImageFile

    from transfer.exporting import weasyprint_available

    if not weasyprint_available():
        pytest.skip("WeasyPrint is not installed: nothing sets Pillow to pad images")
    out = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(out, "PNG")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert refused(out.getvalue()[:-3000], "half.png").code == "damaged"
