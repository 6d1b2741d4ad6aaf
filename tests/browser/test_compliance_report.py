"""The compliance report in Chromium: an approver filters it with the form (the filters land
in a bookmarkable address) and opens a procedure's and a person's rows; a reader sees their
own; every page fits a phone. With SOP_SCREENSHOTS=<folder>, the pages are saved there at
1280 and 390 pixels wide (for a person to look at; nothing is compared)."""

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.compliance.ack_world import build_world
from tests.roles import make_user


def _shoot(page, name: str, width: int) -> None:
    folder = os.environ.get("SOP_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder, f"{name}-{width}.png")), full_page=True)


def test_an_approver_filters_the_report_and_it_fits_a_phone(browser, live_server, log_in, watch):
    world = build_world()
    approver = make_user("approver")
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        watching = watch(page)
        log_in(page, approver)
        page.goto(live_server.url + "/compliance/report/")
        expect(page.locator(".report-groups")).to_contain_text("Technicians")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shoot(page, "report", width)
        page.get_by_label("Group").select_option(label="Technicians")
        page.get_by_label("As of").fill("2026-03-01")
        page.get_by_role("button", name="Show").click()
        expect(page).to_have_url(f"{live_server.url}/compliance/report/?group="
                                 f"{world.technicians.pk}&volume=&section=&overdue="
                                 "&as_of=2026-03-01")  # fmt: skip
        expect(page.locator(".report-scope")).to_contain_text("As the records stood on")
        page.get_by_role("link", name="Prudent Password Policies").click()
        expect(page.locator(".report-procedure-summary")).to_contain_text("Revision 4")
        expect(page.locator(".report-rows")).to_contain_text("Ollie Example")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shoot(page, "report-procedure", width)
        page.get_by_role("link", name="Tara Example").click()
        # The filters follow the links: Tara's page is still as of 1 March (r4, read).
        expect(page.locator(".report-rows")).to_contain_text("r4, 5 Feb 2026")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shoot(page, "report-person", width)
        page.goto(live_server.url + "/compliance/report/?as_of=99999-01-01")
        expect(page.locator(".report-errors")).to_be_visible()
        expect(page.get_by_label("As of")).to_have_value("99999-01-01")
        _shoot(page, "report-error", width)
        assert watching.problems()["CSP violations"] == []
        context.close()


def test_a_reader_sees_their_own_rows(browser, live_server, log_in):
    world = build_world()
    page = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    log_in(page, world.people["tom"])
    page.goto(live_server.url + "/compliance/report/")
    expect(page.locator(".report-scope")).to_contain_text("You see your own")
    expect(page.locator(".report-people")).to_contain_text("Tom Example")
    expect(page.locator(".report-people")).not_to_contain_text("Tara")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shoot(page, "report-reader", 390)
