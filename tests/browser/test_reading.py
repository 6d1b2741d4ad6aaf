"""Reading on a desktop and a 390 px phone: no sideways scrolling, search at hand, the
contents' progress, folding and hiding, dark mode and the print footer."""

import re

import pytest
from playwright.sync_api import expect

from procedures import workflow
from procedures.models import Procedure
from tests.pages import purl
from tests.test_workflow import publish

PHONE = {"width": 390, "height": 844}
# The longest title the model takes (PostgreSQL enforces it), with no space to break at.
LONG_TITLE = "Reset" + "x" * (Procedure._meta.get_field("title").max_length - 5)


@pytest.fixture
def long_procedure(manual, editor, approver):
    procedure = Procedure.objects.get(slug="final-friday-training")
    procedure.title = LONG_TITLE
    procedure.save(update_fields=["title"])
    publish(
        procedure,
        editor,
        approver,
        "# " + LONG_TITLE + "\n\nSee https://example.test/" + "a" * 200 + "\n",
    )
    return procedure


def fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_no_sideways_scrolling_at_390_px(page, live_server, log_in, long_procedure, editor):
    page.set_viewport_size(PHONE)
    log_in(page, editor)
    for path in [
        "/",
        purl("procedure", long_procedure),
        purl("history", long_procedure),
        "/search/?q=" + LONG_TITLE[:20] + "*",
        "/search/?q=final",
    ]:
        page.goto(live_server.url + path)
        assert fits(page), f"{path} is wider than the phone"
    page.goto(live_server.url + purl("procedure", long_procedure))
    expect(page.get_by_role("heading", level=1).first).to_contain_text("Resetxxx")


def test_the_search_box_is_in_reach_on_a_phone_and_slash_focuses_it(
    page, live_server, log_in, manual, reader
):
    page.set_viewport_size(PHONE)
    log_in(page, reader)
    page.goto(live_server.url + "/")
    box = page.get_by_role("searchbox", name="Search the manual")
    expect(box).to_be_visible()  # without opening the menu
    expect(page.locator("#main-nav")).to_be_hidden()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.type("training")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=training"))

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + "/")
    desktop_box = page.get_by_role("searchbox", name="Search the manual")
    expect(desktop_box).to_have_count(1)  # the phone's box is hidden on a desktop
    page.keyboard.press("/")
    expect(desktop_box).to_be_focused()


def test_slash_types_a_slash_in_a_text_field(page, live_server, log_in, manual, editor):
    procedure = Procedure.objects.get(slug="final-friday-training")
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    log_in(page, editor)
    page.goto(live_server.url + f"{purl('procedure', procedure)}revisions/{draft.number}/edit/")
    body = page.get_by_label("Text (Markdown)")
    body.click()
    page.keyboard.type("a/b")
    expect(body).to_have_value("a/b")
    expect(body).to_be_focused()


def test_the_contents_say_how_much_is_written_hide_the_rest_and_fold(
    page, live_server, log_in, long_procedure, reader
):
    log_in(page, reader)
    page.goto(live_server.url + "/")
    expect(page.locator(".contents-progress")).to_have_text("1 of 163 procedures written.")
    unwritten = page.locator(".procedure-list li.unwritten")
    expect(unwritten).to_have_count(162)
    expect(unwritten.first).to_be_visible()
    page.get_by_label("Show only written procedures").check()
    expect(unwritten.first).to_be_hidden()
    expect(page.locator(".procedure-list li:not(.unwritten)").first).to_be_visible()
    page.get_by_label("Show only written procedures").uncheck()
    expect(unwritten.first).to_be_visible()

    volume = page.locator("details.volume").first
    section_heading = volume.locator("h3").first
    expect(section_heading).to_be_visible()
    volume.locator("summary .volume-progress").click()  # not the link: folds
    expect(section_heading).to_be_hidden()


def test_contents_fold_and_hide_without_javascript(browser, live_server, log_in, manual, reader):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, reader)
    page.goto(live_server.url + "/")
    page.get_by_label("Show only written procedures").check()
    expect(page.locator(".procedure-list li.unwritten").first).to_be_hidden()
    context.close()


def test_dark_mode_follows_the_system_setting(browser, live_server, log_in, long_procedure, reader):
    context = browser.new_context(color_scheme="dark", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    log_in(page, reader)
    page.goto(live_server.url + purl("procedure", long_procedure))
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(33, 37, 41)", background  # Bootstrap's dark body
    page.emulate_media(color_scheme="light")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")
    context.close()


def test_the_print_footer_gives_the_print_date_and_the_address(
    page, live_server, log_in, long_procedure, reader
):
    log_in(page, reader)
    url = live_server.url + purl("procedure", long_procedure)
    page.goto(url)
    footer = page.locator(".print-footer")
    expect(footer).to_be_hidden()
    page.emulate_media(media="print")
    expect(footer).to_be_visible()
    expect(footer).to_contain_text(f"from {url}")
    expect(footer).to_contain_text(re.compile(r" on \d{1,2} \w+ \d{4} at \d\d:\d\d"))
