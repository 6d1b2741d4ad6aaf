"""Images and files in the editor, in a real Chromium: a screenshot pasted from the clipboard
and redacted before it is sent, a file dropped onto the text, and the plain file field of a
browser without JavaScript."""

import base64
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from attachments.models import Attachment
from procedures import workflow
from tests.factories import ProcedureFactory, approved_revision
from tests.pages import rurl

RED = (220, 20, 20)
FILE_LINK = re.compile(r"/files/[0-9a-f]{64}/[^)\s]+")

# Make a File from base64 bytes inside the page, and hand it over as a paste or a drop.
PASTE = """([data, name, type]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type }));
  const area = document.querySelector('textarea[name=body]');
  area.focus();
  area.dispatchEvent(new ClipboardEvent('paste', {
    clipboardData: transfer, bubbles: true, cancelable: true }));
}"""
DROP = """([data, name, type]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type }));
  const area = document.querySelector('textarea[name=body]');
  for (const kind of ['dragenter', 'dragover', 'drop']) {
    area.dispatchEvent(new DragEvent(kind, { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }
}"""


def png(size=(200, 100), color=RED) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def draft(editor, approver):
    procedure = ProcedureFactory(title="Rack the new switch", slug="rack-the-new-switch")
    approved_revision(procedure, author=approver, body="# Rack the new switch\n\nOld text.")
    return workflow.revision_start_draft(procedure=procedure, user=editor)


def open_editor(page, live_server, log_in, editor, draft):
    log_in(page, editor)
    page.goto(live_server.url + rurl("revision_edit", draft))
    body = page.get_by_label("Text (Markdown)")
    body.fill("Step one.\n")
    body.press("End")
    return body


def test_a_pasted_screenshot_is_redacted_before_it_is_sent(
    page, live_server, log_in, watch, editor, draft
):
    watching = watch(page)
    body = open_editor(page, live_server, log_in, editor, draft)
    sent = []
    page.on("request", lambda r: sent.append(r) if "/files/upload/" in r.url else None)
    page.evaluate(PASTE, [b64(png()), "image.png", "image/png"])

    dialog = page.locator("dialog.redact-dialog")
    expect(dialog).to_be_visible()
    canvas = dialog.locator("canvas")
    box = canvas.bounding_box()
    scale = box["width"] / 200  # the canvas may be drawn smaller than the image

    def at(x, y):
        return box["x"] + x * scale, box["y"] + y * scale

    # Black out the rectangle (20, 20)-(80, 60) of the image, as a mouse would.
    page.mouse.move(*at(20, 20))
    page.mouse.down()
    page.mouse.move(*at(50, 40), steps=4)
    page.mouse.move(*at(80, 60), steps=4)
    page.mouse.up()
    dialog.get_by_label("Description (alt text)").fill("The switch's console")
    dialog.get_by_role("button", name="Upload").click()
    expect(dialog).to_have_count(0)

    expect(body).to_have_value(re.compile(r"!\[The switch's console\]\(/files/"))
    markdown = body.input_value()
    assert markdown.startswith("Step one.\n![The switch's console](/files/")
    url = FILE_LINK.search(markdown).group(0)
    # The live preview shows it: the image loads from the app itself.
    expect(page.locator(f"#draft-preview img[src='{url}']")).to_be_visible()

    # What was sent, and what is stored, has the black box in it.
    assert len(sent) == 1
    response = page.request.get(live_server.url + url)
    assert response.status == 200
    stored = Image.open(io.BytesIO(response.body())).convert("RGB")
    assert stored.size == (200, 100)
    for x, y in [(22, 22), (50, 40), (78, 58)]:
        assert stored.getpixel((x, y)) == (0, 0, 0), (x, y)
    for x, y in [(10, 10), (100, 50), (190, 90), (85, 40)]:
        assert stored.getpixel((x, y)) == RED, (x, y)

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(re.compile(r"Draft saved \(revision"))).to_be_visible()
    draft.refresh_from_db()
    assert url in draft.body
    assert draft.attachment_links.get().in_text
    assert watching.problems()["page errors"] == []
    assert watching.csp_violations() == []


def test_a_dropped_file_is_uploaded_and_linked(page, live_server, log_in, watch, editor, draft):
    watching = watch(page)
    body = open_editor(page, live_server, log_in, editor, draft)
    page.evaluate(DROP, [b64(b"%PDF-1.4\n% runbook\n"), "Switch runbook.pdf", "application/pdf"])
    expect(body).to_have_value(re.compile(r"\[Switch runbook \(PDF, 19 bytes\)\]\(/files/"))
    attachment = Attachment.objects.get()
    assert attachment.content_type == "application/pdf"
    expect(page.locator(".attachment-status")).to_contain_text("Added Switch runbook.pdf")
    assert watching.problems()["page errors"] == []


def test_a_refused_file_leaves_the_text_as_it_was(page, live_server, log_in, editor, draft):
    body = open_editor(page, live_server, log_in, editor, draft)
    page.evaluate(DROP, [b64(b"MZ\x90\x00"), "report.pdf.exe", "application/octet-stream"])
    status = page.locator(".attachment-status")
    expect(status).to_contain_text("double extension")
    expect(status).to_contain_text("Your text is unchanged")
    expect(body).to_have_value("Step one.\n")


def test_without_javascript_the_plain_file_field_adds_the_file(
    browser, live_server, log_in, editor, draft
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, editor)
    page.goto(live_server.url + rurl("revision_edit", draft))
    page.get_by_label("Text (Markdown)").fill("# Rack it\n\nThen cable it.")
    page.get_by_label("Add an image or file").set_input_files(
        files=[{"name": "cabling.png", "mimeType": "image/png", "buffer": png()}]
    )
    page.get_by_label("Description of the image or file").fill("Cabling diagram")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(re.compile(r"Draft saved \(revision"))).to_be_visible()
    draft.refresh_from_db()
    attachment = Attachment.objects.get()
    assert draft.body == (
        f"# Rack it\n\nThen cable it.\n\n![Cabling diagram]({attachment.get_absolute_url()})\n"
    )
    expect(
        page.locator(f"#draft-preview img[src='{attachment.get_absolute_url()}']")
    ).to_be_visible()
    context.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_screenshot_of_the_edit_page_with_the_upload_ui(
    browser, live_server, log_in, editor, draft, width, output_path
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, editor)
    page.goto(live_server.url + rurl("revision_edit", draft))
    expect(page.get_by_role("button", name="Add image or file")).to_be_visible()
    expect(page.get_by_label("Add an image or file")).to_be_hidden()
    page.screenshot(path=f"{output_path}/edit-upload-{width}.png", full_page=True)
    page.evaluate(PASTE, [b64(png((900, 500))), "image.png", "image/png"])
    expect(page.locator("dialog.redact-dialog")).to_be_visible()
    page.screenshot(path=f"{output_path}/edit-redact-{width}.png")
    context.close()


def test_a_finger_can_black_out_a_rectangle(browser, live_server, log_in, editor, draft):
    context = browser.new_context(has_touch=True, viewport={"width": 390, "height": 844})
    page = context.new_page()
    body = open_editor(page, live_server, log_in, editor, draft)
    page.evaluate(PASTE, [b64(png()), "image.png", "image/png"])
    dialog = page.locator("dialog.redact-dialog")
    canvas = dialog.locator("canvas")
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    scale = box["width"] / 200

    def at(x, y):
        return {"x": box["x"] + x * scale, "y": box["y"] + y * scale}

    # Real touch input, as the phone's screen sends it (Chromium's DevTools protocol).
    cdp = context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [at(120, 10)]})
    for step in range(1, 6):
        point = at(120 + step * 14, 10 + step * 16)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    dialog.get_by_role("button", name="Upload").click()
    expect(body).to_have_value(re.compile(r"/files/"))
    url = FILE_LINK.search(body.input_value()).group(0)
    stored = Image.open(io.BytesIO(page.request.get(live_server.url + url).body())).convert("RGB")
    assert stored.getpixel((150, 50)) == (0, 0, 0)
    assert stored.getpixel((100, 50)) == RED and stored.getpixel((195, 95)) == RED
    context.close()
