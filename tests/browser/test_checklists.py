"""Checklist runs in Chromium: two technicians on one run, without JavaScript; a page that
fits a phone. With SOP_SCREENSHOTS=<folder>, the run page and the list are saved there at
1366 and 390 pixels wide (for a person to look at; nothing is compared)."""

import os
from pathlib import Path

from playwright.sync_api import expect

from checklists import transitions
from tests.checklists.helpers import BODY, make_client
from tests.factories import approved_revision
from tests.roles import make_user


def _run():
    tech = make_user("reader", username="tech-1")
    revision = approved_revision(body=BODY)
    run = transitions.run_start(revision=revision, client=make_client(), user=tech, ticket="T-1042")
    return tech, run


def test_two_technicians_at_once_never_overwrite_each_other(browser, live_server, log_in, watch):
    first, run = _run()
    second = make_user("reader", username="tech-2")
    pages, contexts = [], []
    for user in (first, second):
        context = browser.new_context(java_script_enabled=False)
        contexts.append(context)
        page = context.new_page()
        log_in(page, user)
        page.goto(live_server.url + run.get_absolute_url())
        pages.append(page)
    one, two = pages
    # Both pages show step 1 still to do; the first technician ticks it.
    one.locator("#step-1").get_by_role("button", name="Done").click()
    expect(one.locator("#step-1 .step-state")).to_have_text("Done")
    # The second, from the page loaded before, marks it N/A: refused, not applied.
    two.locator("#step-1 summary").click()
    two.locator("#step-1").get_by_label("Why it does not apply").fill("No mailbox")
    response_status = []
    two.on("response", lambda r: response_status.append(r.status))
    two.locator("#step-1").get_by_role("button", name="Not applicable").click()
    expect(two.get_by_role("alert")).to_contain_text("changed by tech-1 meanwhile")
    assert 409 in response_status
    expect(two.locator("#step-1 .step-state")).to_have_text("Done")
    # Another step, on the page just shown, goes through.
    two.locator("#step-2").get_by_role("button", name="Done").click()
    expect(two.locator("#step-2 .step-state")).to_have_text("Done")
    one.reload()
    expect(one.locator(".run-step .step-state", has_text="Done")).to_have_count(2)
    for context in contexts:
        context.close()


def test_the_run_page_fits_a_phone(browser, live_server, log_in, watch):
    tech, run = _run()
    steps = list(run.steps.all())
    transitions.step_annotate(step=steps[0], user=tech, version=1, note="Backup was 2.1 GB")
    transitions.step_tick(step=steps[0], user=tech, version=2)
    transitions.step_skip(step=steps[1], user=tech, version=1, reason="Size shown above")
    folder = os.environ.get("SOP_SCREENSHOTS")
    for width in (1366, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        watching = watch(page)
        log_in(page, tech)
        page.goto(live_server.url + run.get_absolute_url())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        button = page.locator("#step-3").get_by_role("button", name="Done").bounding_box()
        assert button["height"] >= 44
        if folder:
            page.screenshot(path=str(Path(folder, f"run-{width}.png")), full_page=True)
            page.emulate_media(media="print")
            page.screenshot(path=str(Path(folder, f"run-print-{width}.png")), full_page=True)
            page.emulate_media(media="screen")
            page.goto(live_server.url + "/runs/")
            page.screenshot(path=str(Path(folder, f"runs-{width}.png")), full_page=True)
        assert watching.problems()["CSP violations"] == []
        context.close()
