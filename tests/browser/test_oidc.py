"""Signing in with OpenID Connect, in Chromium, through the real redirects to a real OpenID
provider (tests/oidc_provider: the certified oidc-provider package under Node.js) and back:
groups mapped to roles and taken away at the next sign-in, someone in no mapped group refused
(or made a reader), ID tokens with a wrong audience, issuer, expiry or signature refused with
a page that says so, a replayed state refused, a deactivated person refused, password sign-in
kept for break-glass administrators only, and the directory's names shown as text."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from people.models import DirectoryIdentity
from tests import oidc_provider
from tests.conftest import ensure_roles
from tests.roles import PASSWORD, make_user

User = get_user_model()
MAPPING = "SOP Editors=Editors;SOP Approvers=Approvers;sop-readers-oid=Readers;SOP Admins=admin"


@pytest.fixture(scope="session")
def provider(live_server):
    try:
        started = oidc_provider.start_provider(
            redirect_uris=[live_server.url + "/accounts/oidc/callback/"]
        )
    except oidc_provider.ProviderUnavailable as exc:
        pytest.skip(f"no OpenID provider for the sign-in tests: {exc}")
    yield started
    oidc_provider.stop_provider(started)


@pytest.fixture
def directory(provider, settings):
    """The site set up to sign in with the test provider, with the groups mapped (and the
    role groups there: a transactional test before may have flushed them)."""
    ensure_roles()
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    settings.SOP_DIRECTORY_GROUP_ROLES = MAPPING
    settings.SOP_DIRECTORY_UNMAPPED = "refuse"
    return provider


def roles_of(username):
    person = User.objects.get(username=username)
    roles = sorted(person.groups.values_list("name", flat=True))
    return roles + (["administrators"] if person.is_superuser else [])


def sign_in_with_directory(page, live_server, login, *, callbacks=None):
    """Go from the login page to the provider, sign in there as `login`, come back."""
    if callbacks is not None:
        page.on(
            "request",
            lambda request: (
                callbacks.append(request.url) if "/accounts/oidc/callback/" in request.url else None
            ),
        )
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="Sign in with Microsoft").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(re.compile(re.escape(live_server.url)))
    return page


def test_groups_give_roles_and_leaving_a_group_takes_them_away(browser, live_server, directory):
    directory.set_account(
        "nia", name="Nia Tech", email="nia@example.test", groups=["SOP Editors", "sop approvers"]
    )
    page = sign_in_with_directory(browser.new_context().new_page(), live_server, "nia")
    expect(page.get_by_role("button", name="nia@example.test")).to_be_visible()
    assert roles_of("nia@example.test") == ["Approvers", "Editors"]
    identity = DirectoryIdentity.objects.get(subject="nia")
    assert identity.issuer == directory.issuer and identity.last_sign_in_at is not None
    page.goto(live_server.url + "/people/me/")
    expect(page.get_by_text("Nia Tech").first).to_be_visible()

    # Taken out of "SOP Approvers" in the directory: no approving after the next sign-in.
    directory.set_account("nia", name="Nia Tech", email="nia@example.test", groups=["SOP Editors"])
    sign_in_with_directory(browser.new_context().new_page(), live_server, "nia")
    assert roles_of("nia@example.test") == ["Editors"]
    assert User.objects.filter(email="nia@example.test").count() == 1


def test_an_existing_account_is_found_by_its_address_and_keeps_it(browser, live_server, directory):
    person = make_user("reader", username="omar", email="Omar@Example.test")
    directory.set_account("omar-oid", email="omar@example.test", groups=["sop-readers-oid"])
    page = sign_in_with_directory(browser.new_context().new_page(), live_server, "omar-oid")
    expect(page.get_by_role("button", name="omar")).to_be_visible()
    assert DirectoryIdentity.objects.get(subject="omar-oid").person_id == person.pk


def test_someone_in_no_mapped_group_is_refused_with_a_page(browser, live_server, directory):
    directory.set_account("sam", email="sam@example.test", groups=["Sales"])
    page = sign_in_with_directory(browser.new_context().new_page(), live_server, "sam")
    expect(page.get_by_role("heading", name="Not signed in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("none of the groups")
    assert not User.objects.filter(email="sam@example.test").exists()  # no account left
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_someone_in_no_mapped_group_becomes_a_reader_when_so_set(
    browser, live_server, directory, settings
):
    settings.SOP_DIRECTORY_UNMAPPED = "reader"
    directory.set_account("rita", email="rita@example.test", groups=[])
    page = sign_in_with_directory(browser.new_context().new_page(), live_server, "rita")
    expect(page.get_by_role("button", name="rita@example.test")).to_be_visible()
    assert roles_of("rita@example.test") == ["Readers"]


@pytest.mark.parametrize(
    "tamper, says",
    [
        ("audience", "issued for another site"),
        ("issuer", "came from another directory"),
        ("expired", "has expired"),
        ("signature", "signature does not match"),
        ("nonce", "did not match the one this browser started"),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(browser, live_server, directory, tamper, says):
    login = f"bad-{tamper}"
    directory.set_account(login, email=f"{login}@example.test", groups=["SOP Admins"],
                          tamper=tamper)  # fmt: skip
    page = browser.new_context().new_page()
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if "/oidc/callback/" in r.url else None)
    sign_in_with_directory(page, live_server, login)
    expect(page.get_by_role("heading", name="Not signed in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(says)
    assert statuses == [403]
    assert not User.objects.filter(email=f"{login}@example.test").exists()


def test_a_replayed_state_is_refused(browser, live_server, directory):
    directory.set_account("rex", email="rex@example.test", groups=["SOP Editors"])
    callbacks = []
    page = sign_in_with_directory(
        browser.new_context().new_page(), live_server, "rex", callbacks=callbacks
    )
    expect(page.get_by_role("button", name="rex@example.test")).to_be_visible()
    assert len(callbacks) == 1
    # The same answer again, in the same browser: its state was used up.
    response = page.goto(callbacks[0])
    assert response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("used already")
    # And in another browser, which never started it.
    other = browser.new_context().new_page()
    response = other.goto(callbacks[0])
    assert response.status == 400
    other.goto(live_server.url + "/")
    expect(other).to_have_url(re.compile(r"/accounts/login/"))


def test_a_deactivated_person_is_refused(browser, live_server, directory):
    person = make_user("editor", username="left@example.test", email="left@example.test",
                       is_active=False)  # fmt: skip
    directory.set_account("left", email="left@example.test", groups=["SOP Admins"])
    page = sign_in_with_directory(browser.new_context().new_page(), live_server, "left")
    expect(page.get_by_role("alert")).to_contain_text("deactivated")
    person.refresh_from_db()
    assert not person.is_superuser and roles_of("left@example.test") == ["Editors"]


def test_password_sign_in_only_for_break_glass_administrators(
    browser, live_server, directory, settings
):
    settings.SOP_LOCAL_LOGIN = "administrators"
    make_user("editor", username="pat")
    make_user("superuser", username="glass")
    page = browser.new_context().new_page()
    page.goto(live_server.url + "/accounts/login/")
    expect(page.get_by_role("link", name="Sign in with Microsoft")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_hidden()  # folded away
    page.get_by_text("Administrator sign-in (break-glass)").click()
    page.get_by_label("Username").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill("glass")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="glass")).to_be_visible()


def test_names_from_the_directory_are_text(browser, live_server, directory, watch):
    name = "<img src=x onerror=alert('name')> <script>alert('n')</script>"
    directory.set_account("x", name=name, email="x@example.test", groups=["SOP Editors"])
    page = browser.new_context().new_page()
    watching = watch(page)
    sign_in_with_directory(page, live_server, "x")
    page.goto(live_server.url + "/people/me/")
    expect(page.get_by_text("<img src=x onerror=alert('name')>").first).to_be_visible()
    page.goto(
        live_server.url + "/accounts/oidc/callback/?error=access_denied&error_description="
        "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"
    )
    expect(page.get_by_role("alert")).to_contain_text("<img src=x onerror=alert(1)>")
    assert watching.all_dialogs() == [] and watching.page_errors == []


def test_an_address_outside_the_allowed_domains_is_refused(
    browser, live_server, directory, settings
):
    settings.SOP_OIDC_ALLOWED_EMAIL_DOMAINS = ["corp.test"]
    directory.set_account("ursula", email="ursula@elsewhere.test", groups=["SOP Editors"])
    page = sign_in_with_directory(browser.new_context().new_page(), live_server, "ursula")
    expect(page.get_by_role("heading", name="Not signed in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("not one of those this site accepts")
    assert not User.objects.filter(email="ursula@elsewhere.test").exists()

    directory.set_account("vera", email="vera@corp.test", groups=["SOP Editors"])
    page = sign_in_with_directory(browser.new_context().new_page(), live_server, "vera")
    expect(page.get_by_role("button", name="vera@corp.test")).to_be_visible()
