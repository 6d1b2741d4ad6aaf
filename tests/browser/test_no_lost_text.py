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
