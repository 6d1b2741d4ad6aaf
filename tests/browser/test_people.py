"""The People page in a real browser: an administrator invites someone, who sets their
password from the mailed link and signs in; then is deactivated and signed out."""

import re

from django.core import mail
from playwright.sync_api import expect

from tests.roles import make_user

LINK = re.compile(r"https?://[^/\s]+(/accounts/welcome/[^\s]+/)")
PASSWORD = "the invited person's own passphrase"


def test_invite_set_password_sign_in_and_deactivate(browser, live_server, log_in, watch):
    admin_page = browser.new_context().new_page()
    watching = watch(admin_page)
    log_in(admin_page, make_user("superuser", username="boss"))
    admin_page.get_by_role("link", name="People").click()
    expect(admin_page.get_by_role("heading", name="People")).to_be_visible()
    admin_page.locator("#id_email").fill("nia@example.test")
    admin_page.locator("#id_first_name").fill("Nia")
    admin_page.get_by_label("Editors").check()
    admin_page.get_by_role("button", name="Invite").click()
    expect(admin_page.get_by_text("Invited nia@example.test")).to_be_visible()

    path = LINK.search(mail.outbox[-1].body).group(1)
    page = browser.new_context().new_page()
    page.goto(live_server.url + path)
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#id_new_password2").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Your new password is set")).to_be_visible()
    log_in(page, "nia@example.test", password=PASSWORD)
    expect(page.get_by_role("link", name="My work")).to_be_visible()  # an editor

    admin_page.get_by_role("button", name="Deactivate").click()
    expect(admin_page.get_by_text("nia@example.test: deactivated.")).to_be_visible()
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert not any(watching.problems().values()), watching.problems()
