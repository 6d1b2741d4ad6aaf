"""The editor's [[link]] title autocomplete and its Image button, in a real Chromium: typing
"[[" offers procedure titles, the keyboard or a finger chooses one, a shared title is linked
by its path, hostile titles stay text; the Image button opens the attachments' chooser."""

import re

from playwright.sync_api import expect

from procedures.models import Procedure, Section
from tests.browser.test_attachments import png
from tests.browser.test_editor_toolbar import open_editor
from tests.factories import ProcedureFactory


def suggestions(page):
    return page.get_by_role("listbox", name="Procedures to link to")


def test_typing_two_brackets_offers_titles_and_enter_writes_the_link(
    page, live_server, log_in, watch, manual, editor
):
    watching = watch(page)
    _draft, body = open_editor(page, live_server, log_in, editor)
    body.fill("See ")
    body.press("End")
    page.keyboard.type("[[")
    expect(suggestions(page)).to_contain_text("Type part of a procedure's title.")
    page.keyboard.type("friday tr")
    options = suggestions(page).get_by_role("option")
    expect(options.first).to_contain_text("Final Friday Training")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(body).to_have_value("See [[Final Friday Training]]")
    expect(suggestions(page)).to_be_hidden()
    # The preview shows a working link, not a broken one.
    expect(page.locator("#draft-preview a.wikilink")).to_have_text("Final Friday Training")
    expect(page.locator("#draft-preview a.wikilink-broken")).to_have_count(0)
    assert watching.problems() == {key: [] for key in watching.problems()}


def test_arrows_move_escape_closes_and_a_shared_title_is_linked_by_its_path(
    page, live_server, log_in, manual, editor
):
    _draft, body = open_editor(page, live_server, log_in, editor)
    body.click()
    page.keyboard.press("Control+k")  # the link button: [[|]], the list opens
    page.keyboard.type("intro no")
    options = suggestions(page).get_by_role("option")
    expect(options).to_have_count(10)  # never more than ten
    expect(options.nth(1)).to_contain_text("Intro Notes")  # nine sections open with one
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # wraps round to the last
    expect(options.nth(9)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(suggestions(page)).to_be_hidden()
    expect(body).to_have_value("[[intro no]]")  # Escape leaves the typing alone
    page.keyboard.type("tes")
    expect(options.first).to_contain_text("Intro Notes")
    page.keyboard.press("Enter")
    first = Procedure.objects.filter(title="Intro Notes").in_book_order().first()
    # The link button's own closing brackets are not doubled.
    expect(body).to_have_value(f"[[{first.path}]]")
    expect(page.locator("#draft-preview a.wikilink")).to_have_text("Intro Notes")


def test_a_finger_chooses_a_title_on_a_phone(browser, live_server, log_in, manual, editor):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    _draft, body = open_editor(page, live_server, log_in, editor)
    body.tap()
    page.keyboard.type("Read [[final fri")
    option = suggestions(page).get_by_role("option", name=re.compile("Final Friday Training"))
    option.tap()
    expect(body).to_have_value("Read [[Final Friday Training]]")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]
    context.close()


def test_hostile_titles_are_offered_as_text(page, live_server, log_in, watch, manual, editor):
    watching = watch(page)
    hostile = '<img src=x onerror="alert(1)"> Zebra <b>bold</b>'
    ProcedureFactory(title=hostile, slug="hostile-zebra", section=Section.objects.first())
    _draft, body = open_editor(page, live_server, log_in, editor)
    body.click()
    page.keyboard.type("[[zebra")
    option = suggestions(page).get_by_role("option").first
    expect(option).to_contain_text(hostile)
    expect(suggestions(page).locator("img, b")).to_have_count(0)
    page.keyboard.press("Enter")
    expect(body).to_have_value(f"[[{hostile}]]")
    assert watching.problems()["dialogs"] == []
    assert watching.csp_violations() == []


def test_the_image_button_opens_the_attachments_chooser(
    page, live_server, log_in, watch, manual, editor
):
    watching = watch(page)
    _draft, body = open_editor(page, live_server, log_in, editor)
    body.fill("Rack photo:\n")
    body.press("Control+End")
    with page.expect_file_chooser() as chosen:
        page.get_by_role("toolbar", name="Formatting").get_by_role(
            "button", name="Add an image"
        ).click()
    chooser = chosen.value
    assert chooser.element.get_attribute("accept") == "image/png,image/jpeg,image/webp,image/gif"
    chooser.set_files(files=[{"name": "rack.png", "mimeType": "image/png", "buffer": png()}])
    dialog = page.locator("dialog.redact-dialog")
    expect(dialog).to_be_visible()  # the same redaction step as every image
    dialog.get_by_label("Description (alt text)").fill("The rack")
    dialog.get_by_role("button", name="Upload").click()
    expect(body).to_have_value(re.compile(r"^Rack photo:\n!\[The rack\]\(/files/[0-9a-f]{64}/"))
    expect(page.locator("#draft-preview img[alt='The rack']")).to_be_visible()
    assert watching.problems()["page errors"] == []
