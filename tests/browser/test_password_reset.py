"""A forgotten password, in a real browser: ask for a link, read it from the mail, set a new
password, log in with it; the same link a second time is refused."""

import re

from django.core import mail
from playwright.sync_api import expect

from tests.factories import UserFactory

NEW_PASSWORD = "a new and rather long passphrase"
LINK = re.compile(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)")


def test_forgotten_password_from_request_to_login(page, live_server, log_in, watch):
    watching = watch(page)
    UserFactory(username="tech", email="tech@example.test")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Email").fill("tech@example.test")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    assert len(mail.outbox) == 1
    path = LINK.search(mail.outbox[0].body).group(1)
    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", name="Set a new password")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/set-password/$"))  # the token left the address bar
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Your new password is set")).to_be_visible()
    page.get_by_role("link", name="Log in").click()

    log_in(page, "tech", password=NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Managed Services Operations Manual")).to_be_attached()
    assert not any(watching.problems().values()), watching.problems()

    page.goto(live_server.url + path)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(page.get_by_role("link", name="Send me a new link")).to_be_visible()


def test_an_unknown_address_sees_the_same_page(page, live_server):
    page.goto(live_server.url + "/accounts/reset/")
    page.get_by_label("Email").fill("nobody@example.test")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert mail.outbox == []
