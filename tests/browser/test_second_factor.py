"""Issue 18 in a real browser: signing in with an LDAP account (a real slapd), its roles and
a name with markup shown as text; setting up a second factor and signing in with a code.
Screenshots of the set-up and the code step (desktop and phone) when SOP_SCREENSHOTS is set."""

import os
import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.people import slapd
from tests.people.ldap_fixtures import ldap_site, slapd_server  # noqa: F401
from tests.roles import PASSWORD, make_user

SHOTS = os.environ.get("SOP_SCREENSHOTS", "")


def shoot(page, name):
    if not SHOTS:
        return
    for width, height, label in ((1280, 900, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{SHOTS}/{name}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def sign_in(page, live_server, username, password):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.usefixtures("ldap_site")
def test_ldap_sign_in_gives_the_directory_roles(page, live_server, watch):
    watching = watch(page)
    sign_in(page, live_server, "alice", slapd.PASSWORD)
    expect(page.get_by_role("heading", name="Managed Services Operations Manual")).to_be_visible()
    page.goto(live_server.url + "/people/me/")
    expect(page.get_by_text("Approvers", exact=True)).to_be_visible()
    expect(page.get_by_text("from the directory")).to_be_visible()
    page.goto(live_server.url + "/review/")
    expect(page.get_by_role("heading", name=re.compile("review", re.I)).first).to_be_visible()
    assert not any(watching.problems().values()), watching.problems()


@pytest.mark.usefixtures("ldap_site")
def test_a_directory_name_with_markup_shows_as_text(page, live_server, watch):
    watching = watch(page)
    sign_in(page, live_server, "mallory", slapd.PASSWORD)
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto(live_server.url + "/people/me/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(slapd.MARKUP_NAME)
    assert page.locator("h1 img, h1 b").count() == 0
    assert page.evaluate("window.__xss") is None
    refused = page.context.browser.new_context().new_page()
    sign_in(refused, live_server, "carol", slapd.PASSWORD)
    expect(refused.get_by_role("heading", name="Your account has no access here")).to_be_visible()
    assert not any(watching.problems().values()), watching.problems()


def test_set_up_a_second_factor_and_sign_in_with_a_code(page, live_server, log_in, watch):
    watching = watch(page)
    editor = make_user("editor", first_name="Eda")
    log_in(page, editor)
    page.goto(live_server.url + "/people/me/")
    page.get_by_role("link", name="Set up").click()
    page.get_by_role("button", name="Set up a second factor").click()
    expect(page.get_by_role("img", name="QR code of your key")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    shoot(page, "second-factor-setup")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from your authenticator app").fill(totp.now())
    page.get_by_role("button", name="Confirm and switch on").click()
    expect(page.get_by_text("Your second factor is on")).to_be_visible()

    other = page.context.browser.new_context().new_page()
    watching_other = watch(other)
    sign_in(other, live_server, editor.username, PASSWORD)
    expect(other.get_by_role("heading", name="One more step")).to_be_visible()
    other.get_by_label("Code from your authenticator app").fill("000000")
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_text("That code is not right")).to_be_visible()
    shoot(other, "second-factor-code")
    time.sleep(1.1)  # django-otp's throttle after one wrong code
    other.get_by_label("Code from your authenticator app").fill(totp.at(time.time() + 30))
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_role("heading", name="Managed Services Operations Manual")).to_be_visible()
    assert not any(watching.problems().values()), watching.problems()
    assert not any(watching_other.problems().values()), watching_other.problems()
