"""Logging in and out in a real browser, and the lockout page."""

import re

from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.roles import make_user


def test_log_in_read_and_log_out(page, live_server, log_in, manual, watch):
    watching = watch(page)
    reader = make_user("reader", first_name="Rita")
    log_in(page, reader)
    expect(page.get_by_role("heading", name="Managed Services Operations Manual")).to_be_visible()
    page.get_by_role("link", name="Final Friday Training").click()
    expect(page.get_by_role("heading", name="Final Friday Training", level=1)).to_be_visible()
    page.get_by_role("button", name=reader.username).click()  # Bootstrap's dropdown, own JS
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    assert not any(watching.problems().values()), watching.problems()


def test_the_lockout_page(page, live_server, watch):
    watching = watch(page)
    UserFactory(username="tech")
    page.goto(live_server.url + "/accounts/login/")
    for _ in range(5):
        page.get_by_label("Username").fill("tech")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Too many failed logins")).to_be_visible()
    expect(page.get_by_text("Try again in 15 minutes")).to_be_visible()
    page.get_by_role("link", name="Back to the login page").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert not any(watching.problems().values()), watching.problems()
