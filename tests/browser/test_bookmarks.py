"""Favourites and Recently viewed in a real Chromium: the star on a procedure page, the
visit noted by the page's beacon, both listed on My work."""

import pytest
from playwright.sync_api import expect

from procedures.models import Procedure, RecentView


def test_star_a_procedure_and_find_it_on_my_work(page, live_server, log_in, watch, manual, reader):
    watching = watch(page)
    procedure = Procedure.objects.get(slug="final-friday-training")
    log_in(page, reader)
    page.goto(live_server.url + procedure.get_absolute_url())
    add = page.get_by_role("button", name="Add to my favourites")
    expect(add).to_be_visible()
    expect(page.get_by_role("button", name="In my favourites: remove")).to_be_hidden()
    add.click()
    expect(page.get_by_text("is in your favourites")).to_be_visible()
    expect(page.get_by_role("button", name="In my favourites: remove")).to_be_visible()
    expect(add).to_be_hidden()
    # The visit was noted by the page's beacon.
    for _ in range(50):
        if RecentView.objects.filter(user=reader, procedure=procedure).exists():
            break
        page.wait_for_timeout(100)
    page.goto(live_server.url + "/my-work/")
    favourites = page.get_by_role("region", name="Favourites")
    expect(favourites.get_by_role("link", name=procedure.title)).to_be_visible()
    recent = page.get_by_role("region", name="Recently viewed")
    expect(recent.get_by_role("link", name=procedure.title)).to_be_visible()
    # Unstar from the (now cached) procedure page.
    page.goto(live_server.url + procedure.get_absolute_url())
    page.get_by_role("button", name="In my favourites: remove").click()
    expect(page.get_by_text("is no longer in your favourites")).to_be_visible()
    expect(page.get_by_role("button", name="Add to my favourites")).to_be_visible()
    assert watching.problems() == {key: [] for key in watching.problems()}


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshot_of_the_star_and_my_work(
    browser, live_server, log_in, manual, reader, width, output_path
):
    from procedures import workflow

    for procedure in Procedure.objects.all()[:3]:
        workflow.procedure_favourite(procedure=procedure, user=reader, starred=True)
        workflow.procedure_record_view(procedure=procedure, user=reader)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, reader)
    first = Procedure.objects.first()
    page.goto(live_server.url + first.get_absolute_url())
    expect(page.get_by_role("button", name="In my favourites: remove")).to_be_visible()
    page.screenshot(path=f"{output_path}/procedure-star-{width}.png")
    page.goto(live_server.url + "/my-work/")
    page.screenshot(path=f"{output_path}/my-work-bookmarks-{width}.png", full_page=True)
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1]
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_contents_pages_panel_folded_and_opened(
    browser, live_server, log_in, manual, reader, width, output_path
):
    """Issue 15: one folded line above the contents (a phone too); opened, the reader's own
    favourites and recent reading, links to their pages."""
    from procedures import workflow

    procedures = list(Procedure.objects.all()[:3])
    for procedure in procedures:
        workflow.procedure_favourite(procedure=procedure, user=reader, starred=True)
        workflow.procedure_record_view(procedure=procedure, user=reader)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, reader)
    page.goto(live_server.url + "/")
    summary = page.locator(".bookmarks-panel summary")
    expect(summary).to_contain_text("Your favourites (3) and recently viewed (3)")
    first_volume = page.locator("details.volume").first
    assert first_volume.bounding_box()["y"] < 450  # the contents are not pushed down
    page.screenshot(path=f"{output_path}/contents-panel-folded-{width}.png")
    summary.click()
    favourites = page.get_by_role("region", name="Your favourites")
    link = favourites.get_by_role("link", name=procedures[0].title)
    expect(link).to_be_visible()
    page.screenshot(path=f"{output_path}/contents-panel-open-{width}.png")
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1]
    link.click()
    expect(page).to_have_url(live_server.url + procedures[0].get_absolute_url())
    context.close()
