"""The review page's rendered diff in a real Chromium: a tab beside the Markdown changes that
shows the text as readers will see it, added and removed blocks marked in words and colour."""

import pytest
from playwright.sync_api import expect

from procedures.models import Procedure
from tests.pages import rurl
from tests.test_rendered_diff import OLD
from tests.test_workflow import publish, write

NEW = OLD.replace("2. Check the job", "2. Check the job **twice**").replace(
    "Call the on-call engineer.", "Call the duty manager, then the on-call engineer."
)


@pytest.fixture
def in_review(manual, editor, other_editor, approver):
    procedure = Procedure.objects.get(slug="final-friday-training")
    publish(procedure, other_editor, approver, OLD)
    return write(procedure, editor, NEW + "\n!!! note\n    Keep the log for a year.\n")


def test_the_rendered_tab_shows_what_readers_will_see_marked(
    page, live_server, log_in, watch, approver, in_review
):
    watching = watch(page)
    log_in(page, approver)
    page.goto(live_server.url + rurl("review", in_review))
    rendered = page.get_by_role("region", name="Changes against the approved text, as readers")
    expect(rendered).to_be_hidden()
    page.get_by_role("tab", name="As readers will see it").click()
    expect(rendered).to_be_visible()
    added = rendered.locator("ins.diff-ins")
    expect(added.filter(has_text="Check the job twice")).to_be_visible()
    expect(rendered.locator("ins.diff-ins strong")).to_have_text("twice")
    removed = rendered.locator("del.diff-del").filter(has_text="Call the on-call engineer.")
    expect(removed).to_be_visible()
    # Marked in words, not colour alone.
    label = removed.evaluate("(e) => getComputedStyle(e, '::before').content")
    assert label == '"Removed"'
    # The numbered steps read 1, 2, 3: the removed step takes no number.
    numbers = rendered.locator("ol > li").evaluate_all(
        "(items) => items.map((li) => getComputedStyle(li).display)"
    )
    assert numbers == ["list-item", "block", "list-item", "list-item"]
    page.get_by_role("tab", name="Markdown changes").click()
    expect(rendered).to_be_hidden()
    expect(page.locator(".diff ins").first).to_be_visible()
    assert watching.problems() == {key: [] for key in watching.problems()}


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshot_of_the_rendered_diff(
    browser, live_server, log_in, approver, in_review, width, output_path
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, approver)
    page.goto(live_server.url + rurl("review", in_review) + "?view=rendered")
    expect(page.locator("#diff-rendered")).to_be_visible()
    page.locator("#diff-rendered").scroll_into_view_if_needed()
    page.screenshot(path=f"{output_path}/review-rendered-diff-{width}.png", full_page=True)
    width_now = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width_now[0] <= width_now[1]
    context.close()
