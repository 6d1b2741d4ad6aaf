"""The second factor of local accounts (TOTP): set up, sign in with a code, wrong and replayed
codes refused, throttled and locked out, administrators sent to set one up, reset by an
administrator. Codes are computed as an authenticator app would (pyotp)."""

import logging
import re
import time
from html import unescape
from http import HTTPStatus

import pyotp
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from people.models import PersonEvent
from tests.roles import PASSWORD, client_as, make_user

pytestmark = pytest.mark.django_db
User = get_user_model()
SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')


@pytest.fixture(autouse=True)
def no_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the throttle has a test of its own


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="msp_sop.security")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "msp_sop.security"]


def code(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or one time step later: a fresh code)."""
    return pyotp.TOTP(secret.replace(" ", "")).at(time.time() + 30 * steps_ahead)


def enrol(client) -> str:
    """Set up a second factor through the pages; return the key the page showed."""
    response = client.post(reverse("people:second_factor_start"))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert '<div class="sop-qr' in page and "<svg" in page
    secret = SECRET.search(page).group(1)
    response = client.post(reverse("people:second_factor_confirm"), {"code": code(secret)})
    assert response.status_code == HTTPStatus.FOUND
    return secret


def sign_in(client, user, password=PASSWORD):
    return client.post(reverse("login"), {"username": user.username, "password": password})


def test_set_up_shows_the_key_once_and_a_code_switches_it_on(client):
    editor = make_user("editor")
    client.force_login(editor)
    page = client.get(reverse("people:me")).content.decode()
    assert "Set up" in page
    assert b"Off" in client.get(reverse("people:second_factor")).content
    response = client.post(reverse("people:second_factor_start"))
    secret = SECRET.search(response.content.decode()).group(1)
    device = TOTPDevice.objects.get(user=editor)
    assert not device.confirmed
    wrong = client.post(reverse("people:second_factor_confirm"), {"code": "000000"})
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    assert b"That code is not right" in wrong.content
    right = client.post(reverse("people:second_factor_confirm"), {"code": code(secret)})
    assert right.status_code == HTTPStatus.FOUND
    assert TOTPDevice.objects.get(user=editor).confirmed
    status = client.get(reverse("people:second_factor")).content.decode()
    assert "On" in status and secret not in status  # never shown again
    assert PersonEvent.objects.filter(person=editor, action="second_factor_on").exists()


def test_signing_in_asks_for_the_code_after_the_password(client, security_log):
    editor = make_user("editor")
    client.force_login(editor)
    secret = enrol(client)
    client.logout()
    response = sign_in(client, editor)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("second_factor_login")
    assert "_auth_user_id" not in client.session  # not signed in yet
    assert client.get(reverse("procedures:contents")).status_code == HTTPStatus.FOUND
    page = client.get(reverse("second_factor_login"))
    assert b"One more step" in page.content
    fresh = code(secret, steps_ahead=1)  # the set-up used the current time step
    response = client.post(reverse("second_factor_login"), {"code": fresh})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("procedures:contents")
    assert int(client.session["_auth_user_id"]) == editor.pk
    assert any("second factor code accepted at sign-in" in m for m in security_log())


def test_a_wrong_code_is_refused_and_logged(client, security_log):
    editor = make_user("editor")
    client.force_login(editor)
    enrol(client)
    client.logout()
    sign_in(client, editor)
    response = client.post(reverse("second_factor_login"), {"code": "123456"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "That code is not right" in unescape(response.content.decode())
    assert "_auth_user_id" not in client.session
    assert any("second factor code refused at sign-in" in m for m in security_log())
    not_digits = client.post(reverse("second_factor_login"), {"code": "abc"})
    assert not_digits.status_code == HTTPStatus.BAD_REQUEST
    assert b"six digits" in not_digits.content


def test_a_used_code_is_refused_the_second_time(client):
    editor = make_user("editor")
    client.force_login(editor)
    secret = enrol(client)
    client.logout()
    fresh = code(secret, steps_ahead=1)
    sign_in(client, editor)
    assert client.post(reverse("second_factor_login"), {"code": fresh}).status_code == 302
    client.logout()
    sign_in(client, editor)
    replay = client.post(reverse("second_factor_login"), {"code": fresh})
    assert replay.status_code == HTTPStatus.BAD_REQUEST
    assert "_auth_user_id" not in client.session


def test_wrong_codes_are_throttled_and_lock_the_login_out(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    editor = make_user("editor")
    client.force_login(editor)
    secret = enrol(client)
    client.logout()
    sign_in(client, editor)
    client.post(reverse("second_factor_login"), {"code": "000000"})
    # The right code a moment after a wrong one: django-otp makes it wait.
    throttled = client.post(reverse("second_factor_login"), {"code": code(secret, 1)})
    assert throttled.status_code == HTTPStatus.BAD_REQUEST
    assert b"Too many wrong codes" in throttled.content
    # Every wrong code is a failed login for axes: the fifth locks the username out.
    for _ in range(3):
        response = client.post(reverse("second_factor_login"), {"code": "000000"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert sign_in(client, editor).status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_the_code_step_without_a_password_first_goes_to_the_login_page(client):
    response = client.post(reverse("second_factor_login"), {"code": "123456"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("login")


def test_a_deactivated_person_cannot_finish_with_the_code(client):
    editor = make_user("editor")
    client.force_login(editor)
    secret = enrol(client)
    client.logout()
    sign_in(client, editor)
    User.objects.filter(pk=editor.pk).update(is_active=False)
    response = client.post(reverse("second_factor_login"), {"code": code(secret, 1)})
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_switching_off_takes_a_code_or_the_password(client):
    editor = make_user("editor")
    client.force_login(editor)
    enrol(client)
    wrong = client.post(reverse("people:second_factor_off"), {"password": "nope"})
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    assert b"password is not right" in wrong.content
    assert TOTPDevice.objects.filter(user=editor).exists()
    right = client.post(reverse("people:second_factor_off"), {"password": PASSWORD})
    assert right.status_code == HTTPStatus.FOUND
    assert not TOTPDevice.objects.filter(user=editor).exists()
    client.logout()
    assert sign_in(client, editor)["Location"] == reverse("procedures:contents")  # no code step
    assert PersonEvent.objects.filter(person=editor, action="second_factor_off").exists()


def test_administrators_must_set_one_up_when_the_setting_says_so(client, settings):
    settings.SOP_REQUIRE_2FA_FOR_ADMINS = True
    admin = make_user("superuser", username="boss")
    sign_in(client, admin)
    for page in ("procedures:contents", "people:list", "people:me"):
        response = client.get(reverse(page))
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse("people:second_factor")
    page = client.get(reverse("people:second_factor"))
    assert b"Administrators must use a second factor" in page.content
    enrol(client)
    assert client.get(reverse("people:list")).status_code == HTTPStatus.OK
    # Others are not asked; nor, with the setting off, are administrators.
    assert client_as(make_user("reader")).get("/").status_code == HTTPStatus.OK
    settings.SOP_REQUIRE_2FA_FOR_ADMINS = False
    assert client_as(make_user("superuser", username="boss2")).get("/").status_code == 200


def test_an_administrator_resets_someone_s_second_factor(client, security_log):
    editor = make_user("editor")
    client.force_login(editor)
    enrol(client)
    person_page = reverse("people:person", kwargs={"pk": editor.pk})
    reset = reverse("people:second_factor_reset", kwargs={"pk": editor.pk})
    assert client.post(reset).status_code == HTTPStatus.FORBIDDEN  # not an administrator
    admin = make_user("superuser", username="boss")
    as_admin = client_as(admin)
    assert b"Reset second factor" in as_admin.get(person_page).content
    response = as_admin.post(reset)
    assert response.status_code == HTTPStatus.FOUND
    assert not TOTPDevice.objects.filter(user=editor).exists()
    event = PersonEvent.objects.get(person=editor, action="second_factor_reset")
    assert event.actor == admin
    assert any("second factor reset by 'boss': user='editor-user'" in m for m in security_log())
    again = as_admin.post(reset)
    assert again.status_code == HTTPStatus.CONFLICT
    assert b"has no second factor to reset" in again.content


def test_someone_else_s_second_factor_is_theirs_alone(client):
    editor = make_user("editor")
    client.force_login(editor)
    enrol(client)
    admin = make_user("superuser", username="boss")
    response = client_as(admin).post(reverse("people:second_factor_off"), {"password": PASSWORD})
    assert response.status_code == HTTPStatus.CONFLICT  # the admin has none of their own
    assert TOTPDevice.objects.filter(user=editor).exists()
