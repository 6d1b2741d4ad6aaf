"""Reorganising in Chromium: an approver reorders a section with the up and down buttons (plain
forms, with JavaScript off too), renames a procedure whose old address then redirects, and
archives one, whose page says so; on a desktop and a 390 px phone (screenshots, no sideways
scrolling)."""

import pytest
from playwright.sync_api import expect

from procedures.models import Procedure
from tests.factories import ProcedureFactory, SectionFactory, VolumeFactory

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def section(db):
    volume = VolumeFactory(number=3, title="Operations")
    section = SectionFactory(volume=volume, numeral="I", title="Servers", position=1)
    SectionFactory(volume=volume, numeral="II", title="Backups", position=2)
    for n, title in enumerate(["Server Down", "Patch Night", "Disk Full"], 1):
        ProcedureFactory(section=section, title=title, slug=title.lower().replace(" ", "-"),
                         position=n)  # fmt: skip
    return section


def order(page) -> list[str]:
    return page.locator(".reorder-title").all_inner_texts()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_approver_reorders_a_section_with_up_and_down(
    browser, live_server, log_in, approver, section, javascript
):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    log_in(page, approver)
    page.goto(live_server.url + section.get_absolute_url())
    page.get_by_role("link", name="Reorder procedures").click()
    assert order(page) == ["Server Down", "Patch Night", "Disk Full"]
    expect(page.get_by_role("button", name="Move “Server Down” up")).to_be_disabled()
    page.get_by_role("button", name="Move “Disk Full” up").click()
    expect(page.get_by_role("status").or_(page.locator(".alert-success")).first).to_contain_text(
        "Moved “Disk Full” up"
    )
    # Waiting for the list as it should read: with JavaScript it is redrawn after the answer.
    titles = page.locator(".reorder-title")
    expect(titles).to_have_text(["Server Down", "Disk Full", "Patch Night"])
    page.get_by_role("button", name="Move “Server Down” down").click()
    expect(titles).to_have_text(["Disk Full", "Server Down", "Patch Night"])
    page.goto(live_server.url + "/")
    titles = page.locator(".procedure-list a").all_inner_texts()
    assert titles == ["Disk Full", "Server Down", "Patch Night"]
    context.close()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["1280", "390"])
def test_rename_and_archive_with_screenshots(
    browser, live_server, log_in, approver, section, viewport, output_path
):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    log_in(page, approver)
    width = viewport["width"]
    page.goto(live_server.url + section.get_absolute_url() + "reorder/")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=f"{output_path}/reorder-{width}.png", full_page=True)

    page.goto(live_server.url + "/manual/3/i/patch-night/")
    page.get_by_role("link", name="Rename, move or archive").click()
    page.get_by_label("Title").fill("Patch Tuesday")
    page.get_by_label("Section").select_option(label="Volume 3 · II · Backups")
    page.screenshot(path=f"{output_path}/rename-move-{width}.png", full_page=True)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Patch Tuesday")
    assert page.url.endswith("/manual/3/ii/patch-tuesday/")
    page.goto(live_server.url + "/manual/3/i/patch-night/")  # the old address
    assert page.url.endswith("/manual/3/ii/patch-tuesday/")

    page.get_by_role("link", name="Rename, move or archive").click()
    page.get_by_label("Why is it archived?").fill("Patching moved to the RMM's schedule.")
    page.get_by_role("button", name="Archive").click()
    banner = page.locator(".archived-banner")
    expect(banner).to_contain_text("Archived.")
    expect(banner).to_contain_text("Patching moved to the RMM's schedule.")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=f"{output_path}/archived-{width}.png", full_page=True)
    page.goto(live_server.url + "/")
    expect(page.locator(".contents")).not_to_contain_text("Patch Tuesday")
    page.goto(live_server.url + "/manual/3/ii/patch-tuesday/")
    page.get_by_role("button", name="Restore from the archive").click()
    expect(page.locator(".archived-banner")).to_have_count(0)
    assert Procedure.objects.get(slug="patch-tuesday").archived_at is None
    context.close()
