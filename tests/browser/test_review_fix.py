"""The review of a resubmission shows the fix: the diff against the rejected revision first,
the whole change one click away, the decision form above the diff."""

import re

from playwright.sync_api import expect

from procedures import workflow
from procedures.models import Procedure
from tests.pages import rurl
from tests.test_workflow import publish, write


def test_a_resubmission_is_reviewed_against_the_rejection_it_fixes(
    page, live_server, log_in, watch, manual, editor, approver, other_approver
):
    procedure = Procedure.objects.get(slug="final-friday-training")
    steps = "".join(f"Step {n}: check the thing numbered {n}.\n" for n in range(1, 60))
    publish(procedure, editor, approver, steps)
    rejected = write(procedure, editor, steps + "Step 60: tell someone.\n")
    workflow.revision_reject(revision=rejected, user=approver, comment="Tell whom?")
    draft = workflow.revision_restore(revision=rejected, user=editor)
    watching = watch(page)

    # The author sees the rejection while revising.
    log_in(page, editor)
    page.goto(live_server.url + rurl("revision_edit", draft))
    expect(page.locator(".revising")).to_contain_text("Tell whom?")
    page.get_by_label("Text (Markdown)").fill(steps + "Step 60: tell the service desk lead.\n")
    page.get_by_label("Change summary").fill("Say whom to tell")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text(re.compile("submitted for review"))).to_be_visible()

    page.context.clear_cookies()
    log_in(page, other_approver)
    page.goto(live_server.url + rurl("review", draft))
    heading = page.get_by_role(
        "heading", name=f"Changes since rejected revision {rejected.number} (the fix)"
    )
    expect(heading).to_be_visible()
    diff = page.get_by_role("region", name="Changes since the rejected revision")
    expect(diff.locator(".diff-insert")).to_have_count(1)
    expect(diff.locator(".diff-delete")).to_have_count(1)
    # The decision is reachable without scrolling past the diff.
    comment = page.get_by_label("Comment")
    box = comment.bounding_box()
    assert box is not None and box["y"] + box["height"] < page.viewport_size["height"]

    page.get_by_role("link", name=re.compile("See it against the approved text")).click()
    expect(
        page.get_by_role("heading", name="Changes against the approved text (revision 1)")
    ).to_be_visible()
    diff = page.get_by_role("region", name="Changes against the approved text")
    expect(diff.locator(".diff-insert")).to_have_count(1)
    expect(diff.locator(".diff-delete")).to_have_count(0)
    page.get_by_role("link", name=re.compile("See only the changes since rejected")).click()
    expect(heading).to_be_visible()
    assert watching.problems()["page errors"] == []
