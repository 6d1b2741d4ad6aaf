"""The edit page in a real browser: a text over the size limit is never sent, so it is never
lost (a request over the server's upload limit could only get a bare "Bad request" page)."""

import re

from playwright.sync_api import expect

from procedures import workflow
from procedures.models import Procedure, Revision
from tests.pages import rurl


def test_a_text_over_the_limit_stays_in_the_browser(
    page, live_server, log_in, watch, manual, editor, settings
):
    settings.SOP_MAX_BODY_BYTES = 2_000
    procedure = Procedure.objects.get(slug="final-friday-training")
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    watching = watch(page)
    log_in(page, editor)
    edit_url = live_server.url + rurl("revision_edit", draft)
    page.goto(edit_url)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    body = page.get_by_label("Text (Markdown)")
    too_long = "Check the tape drive. " * 60 + "Ünïcode counts in bytes: é€.\n"  # 1,354 bytes
    too_long += "é" * 500  # 2 bytes each: over 2,000 bytes in all
    body.fill(too_long)
    page.get_by_role("button", name="Save draft").click()

    notice = page.locator(".size-guard")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("the limit is 2,000 bytes")
    expect(notice).to_contain_text("Your text is still here")
    expect(body).to_have_value(too_long)
    expect(body).to_be_focused()
    assert page.url == edit_url
    assert not [url for url in posts if url.endswith("/edit/")], "the form was sent"
    draft.refresh_from_db()
    assert draft.body == ""

    # Shortened, it is saved as usual and the notice goes.
    body.fill("Check the tape drive.\n")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(re.compile(r"Draft saved \(revision"))).to_be_visible()
    expect(notice).to_be_hidden()
    draft.refresh_from_db()
    assert draft.body == "Check the tape drive.\n"
    assert draft.status == Revision.Status.DRAFT
    assert watching.problems()["page errors"] == []
    assert watching.csp_violations() == []
