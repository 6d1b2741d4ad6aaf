"""Checklist runs in Chromium: two technicians on one run, without JavaScript; a page that
fits a phone. With SOP_SCREENSHOTS=<folder>, the run page and the list are saved there at
1366 and 390 pixels wide (for a person to look at; nothing is compared)."""

import os
from pathlib import Path

import pytest
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


def test_the_run_downloads_as_pdf(browser, live_server, log_in, watch):
    from transfer.exporting import weasyprint_available

    if not weasyprint_available():
        pytest.skip("WeasyPrint is not installed")
    tech, run = _run()
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    log_in(page, tech)
    page.goto(live_server.url + run.get_absolute_url())
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    name = f"run-{run.pk}-acme-{run.procedure.slug}.pdf"
    assert download.value.suggested_filename == name
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    folder = os.environ.get("SOP_SCREENSHOTS")
    if folder:
        download.value.save_as(str(Path(folder, name)))
    context.close()


def test_an_approver_schedules_runs_from_a_phone(browser, live_server, log_in, watch):
    """Add a schedule from the client's page, see its next run, pause, resume and end it; the
    pages fit 1366 and 390 pixels."""
    approver = make_user("approver", username="boss")
    revision = approved_revision(body=BODY)
    client = make_client()
    folder = os.environ.get("SOP_SCREENSHOTS")
    for width in (1366, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        watching = watch(page)
        log_in(page, approver)
        page.goto(live_server.url + client.get_absolute_url())
        page.get_by_role("link", name="Add a schedule").click()
        expect(page.locator("#id_client")).to_have_value(str(client.pk))
        page.locator("#id_procedure").select_option(str(revision.procedure.pk))
        page.locator("#id_week_of_month").select_option(label="Last")
        page.locator("#id_weekday").select_option(label="Friday")
        if folder:
            page.screenshot(path=str(Path(folder, f"schedule-form-{width}.png")), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".schedule-recurrence")).to_have_text("Last Friday of each month")
        expect(page.locator(".schedule-next time")).to_be_visible()
        page.get_by_role("button", name="Pause").click()
        expect(page.locator(".schedule-state")).to_have_text("Paused")
        page.get_by_role("button", name="Resume").click()
        expect(page.locator(".schedule-state")).to_have_text("Running")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if folder:
            page.screenshot(path=str(Path(folder, f"schedule-{width}.png")), full_page=True)
        page.goto(live_server.url + client.get_absolute_url())
        expect(page.locator(".schedule-row")).to_have_count(1 if width == 1366 else 2)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if folder:
            page.screenshot(path=str(Path(folder, f"client-{width}.png")), full_page=True)
        page.locator(".schedule-running a").click()
        page.get_by_text("End the schedule").first.click()
        page.get_by_label("Why (optional)").fill("Contract over")
        page.get_by_role("button", name="End the schedule").click()
        expect(page.locator(".schedule-state")).to_have_text("Ended")
        expect(page.get_by_role("button", name="Resume")).to_have_count(0)
        assert watching.problems()["CSP violations"] == []
        context.close()
