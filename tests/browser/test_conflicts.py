"""Conflicts after "Bring up to date", in a real Chromium: two labelled boxes per conflict and
buttons that rewrite the text box; without JavaScript the raw markers are there to edit."""

import re

import pytest
from playwright.sync_api import expect

from procedures import workflow
from tests.pages import rurl
from tests.test_views_editing import _out_of_date_pair

MINE = "Intro\n\nStep one, by phone\n\nStep two\n\nStep three, mine\n"
THEIRS = "Intro\n\nStep one, by email\n\nStep two\n\nStep three, theirs\n"


@pytest.fixture
def merged(editor, other_editor, approver, procedure):
    other_editor.first_name, other_editor.last_name = "Olive", "Other"
    other_editor.save()
    draft = _out_of_date_pair(editor, other_editor, approver, procedure, MINE, THEIRS)
    result = workflow.revision_update(revision=draft, user=editor)
    assert result.conflicts == 2
    return draft


def open_draft(page, live_server, log_in, editor, draft):
    log_in(page, editor)
    page.goto(live_server.url + rurl("revision_edit", draft))
    return page.get_by_label("Text (Markdown)")


def test_keep_mine_theirs_or_both_rewrite_the_text(
    page, live_server, log_in, watch, editor, merged
):
    watching = watch(page)
    body = open_draft(page, live_server, log_in, editor, merged)
    panel = page.get_by_role("region", name="Conflicts to resolve")
    cards = panel.locator(".conflict")
    expect(cards).to_have_count(2)
    first = cards.first
    expect(first).to_contain_text("Conflict 1 of 2")
    expect(first.locator(".conflict-mine")).to_have_text(
        re.compile(r"Your text\s*Step one, by phone")
    )
    expect(first.locator(".conflict-theirs")).to_have_text(
        re.compile(r"Their text \(approved revision 3 by Olive Other\)\s*Step one, by email")
    )
    first.get_by_role("button", name="Keep theirs").click()
    expect(body).to_have_value(re.compile(r"^Intro\n\nStep one, by email\n\nStep two\n<<<<<<<"))
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Conflict 1 of 1")
    cards.first.get_by_role("button", name="Keep both").click()
    expect(body).to_have_value(
        "Intro\n\nStep one, by email\n\nStep two\n\nStep three, mine\n\nStep three, theirs\n"
    )
    expect(panel.get_by_role("status")).to_have_text(re.compile("Every conflict is resolved"))
    expect(page.locator(".merge-conflicts")).to_be_hidden()
    # The preview follows; the text saves and submits like any other.
    expect(page.locator("#draft-preview .admonition")).to_have_count(0)
    page.get_by_label("Summary").fill("Email, both step threes")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text(re.compile(r"Revision \d+ submitted for review"))).to_be_visible()
    assert watching.problems()["page errors"] == []
    assert watching.csp_violations() == []


def test_keep_mine_and_undo(page, live_server, log_in, editor, merged):
    body = open_draft(page, live_server, log_in, editor, merged)
    marked = body.input_value()
    cards = page.locator(".conflict-resolver .conflict")
    cards.last.get_by_role("button", name="Keep mine").click()
    expect(body).to_have_value(re.compile(r"Step two\n\nStep three, mine\n$"))
    expect(cards).to_have_count(1)
    page.keyboard.press("Control+z")  # the browser's undo brings the markers back
    expect(body).to_have_value(marked)
    expect(cards).to_have_count(2)


def test_without_javascript_the_markers_are_in_the_text_box(
    browser, live_server, log_in, editor, merged
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    body = open_draft(page, live_server, log_in, editor, merged)
    expect(body).to_have_value(re.compile(r"<<<<<<< your draft\nStep one, by phone\n=======\n"))
    expect(page.locator(".conflict-resolver")).to_have_count(0)
    expect(page.get_by_text("2 conflicts to resolve.")).to_be_visible()
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshot_of_the_conflicts(
    browser, live_server, log_in, editor, merged, width, output_path
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    open_draft(page, live_server, log_in, editor, merged)
    expect(page.locator(".conflict-resolver .conflict")).to_have_count(2)
    page.screenshot(path=f"{output_path}/edit-conflicts-{width}.png", full_page=True)
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1]
    context.close()
