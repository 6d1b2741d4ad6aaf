"""Nothing typed is lost: the site's own pages for a request over the upload limit (413) and
for a state-changing address opened directly (405)."""

import re

import pytest
from playwright.sync_api import expect

from procedures import workflow
from procedures.models import Procedure
from tests.pages import rurl


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    yield context.new_page()
    context.close()


def test_a_paste_over_the_upload_limit_gets_the_413_page_and_back_keeps_the_text(
    no_js_page, live_server, log_in, manual, editor, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20_000
    page = no_js_page
    procedure = Procedure.objects.get(slug="final-friday-training")
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    log_in(page, editor)
    edit_url = live_server.url + rurl("revision_edit", draft)
    page.goto(edit_url)
    pasted = "A long pasted log line that nobody wants to type again.\n" * 600  # 34 KB
    page.get_by_label("Text (Markdown)").fill(pasted)
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_role("heading", name="Too large: nothing was saved")).to_be_visible()
    expect(page.get_by_text("Press your browser's Back button")).to_be_visible()
    expect(page.get_by_role("link", name="Operations Manual")).to_be_visible()  # the layout
    draft.refresh_from_db()
    assert draft.body == ""

    page.go_back()
    expect(page).to_have_url(edit_url)
    expect(page.get_by_label("Text (Markdown)")).to_have_value(pasted)


def test_a_reject_address_typed_in_the_address_bar_gets_the_405_page_with_a_way_back(
    page, live_server, log_in, watch, manual, editor, approver
):
    procedure = Procedure.objects.get(slug="final-friday-training")
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    revision = workflow.revision_save_and_submit(
        revision=draft, user=editor, body="Text", summary="First", expected_version=draft.version
    )
    watching = watch(page)
    log_in(page, approver)
    response = page.goto(live_server.url + rurl("reject", revision))
    assert response.status == 405
    expect(
        page.get_by_role("heading", name="This address works only from its button")
    ).to_be_visible()
    expect(page.get_by_text("Nothing was changed", exact=False)).to_be_visible()
    page.get_by_role("link", name=f"go to revision {revision.number}").click()
    expect(page).to_have_url(re.compile(re.escape(rurl("revision", revision)) + "$"))
    assert watching.problems()["page errors"] == []


def open_draft(page, live_server, log_in, editor):
    procedure = Procedure.objects.get(slug="final-friday-training")
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    log_in(page, editor)
    edit_url = live_server.url + rurl("revision_edit", draft)
    page.goto(edit_url)
    return draft, edit_url


def test_autosave_saves_while_typing_and_says_when(
    page, live_server, log_in, watch, manual, editor
):
    watching = watch(page)
    draft, _edit_url = open_draft(page, live_server, log_in, editor)
    page.get_by_label("Text (Markdown)").fill("# Training\n\nBook the room.\n")
    status = page.locator("#autosave-status")
    expect(status).to_have_text(re.compile(r"^Saved \d+ s ago$"), timeout=10_000)
    draft.refresh_from_db()
    assert draft.body == "# Training\n\nBook the room.\n"
    expect(page.locator("input[name=version]")).to_have_value(str(draft.version))
    # The manual save follows on from the autosaved version: no conflict with itself.
    page.get_by_label("Change summary").fill("Room")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(re.compile(r"Draft saved \(revision"))).to_be_visible()
    draft.refresh_from_db()
    assert draft.summary == "Room"
    assert watching.problems() == {key: [] for key in watching.problems()}


def test_a_second_tabs_autosave_never_overwrites_and_shows_both_texts(
    page, live_server, log_in, watch, manual, editor
):
    draft, edit_url = open_draft(page, live_server, log_in, editor)
    second = page.context.new_page()
    watch(second)
    second.goto(edit_url)
    page.get_by_label("Text (Markdown)").fill("Text from the first tab\n")
    expect(page.locator("#autosave-status")).to_have_text(re.compile("^Saved"), timeout=10_000)

    second.get_by_label("Text (Markdown)").fill("Text from the second tab\n")
    conflict = second.locator(".autosave-conflict")
    expect(conflict).to_be_visible(timeout=10_000)
    expect(conflict).to_contain_text("saved from another window")
    draft.refresh_from_db()
    assert draft.body == "Text from the first tab\n"

    second.get_by_role("button", name="Show both texts").click()
    expect(second.locator("#saved-body")).to_have_value("Text from the first tab\n")
    expect(second.get_by_label("Text (Markdown)")).to_have_value("Text from the second tab\n")
    draft.refresh_from_db()
    assert draft.body == "Text from the first tab\n"


def test_leaving_with_unsaved_changes_asks_first(page, live_server, log_in, watch, manual, editor):
    watching = watch(page)
    _draft, edit_url = open_draft(page, live_server, log_in, editor)
    body = page.get_by_label("Text (Markdown)")
    body.click()
    page.keyboard.type("Not saved yet")
    page.get_by_role("link", name="My work").first.click()
    expect(page).to_have_url(edit_url)  # the warning was dismissed: the page stays
    assert [d for d in watching.dialogs if d.startswith("beforeunload")]
    expect(body).to_have_value("Not saved yet")

    # Once autosaved, leaving asks nothing.
    expect(page.locator("#autosave-status")).to_have_text(re.compile("^Saved"), timeout=10_000)
    watching.dialogs.clear()
    page.get_by_role("link", name="My work").first.click()
    expect(page).to_have_url(re.compile("/my-work/$"))
    assert watching.dialogs == []


def test_submit_without_summary_then_preview_then_leave_keeps_the_text(
    no_js_page, live_server, log_in, manual, editor
):
    page = no_js_page  # without JavaScript: no autosave helps here
    draft, edit_url = open_draft(page, live_server, log_in, editor)
    page.get_by_label("Text (Markdown)").fill("Words I typed once\n")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#id_summary").locator("xpath=..")).to_contain_text(
        "Say what changed and why"
    )
    expect(page.get_by_text("Your text is saved")).to_be_visible()
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name=re.compile("Preview of the text"))).to_be_visible()
    page.goto(live_server.url + "/")  # leave
    page.goto(edit_url)
    expect(page.get_by_label("Text (Markdown)")).to_have_value("Words I typed once\n")
    draft.refresh_from_db()
    assert draft.body == "Words I typed once\n"
