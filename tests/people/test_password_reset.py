"""Password reset by email for local accounts: one answer for every address, links that work
once and expire, nothing for inactive or passwordless accounts, and the security log."""

import re
from datetime import timedelta
from http import HTTPStatus
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.roles import PASSWORD

pytestmark = pytest.mark.django_db
SECURITY_LOG = "msp_sop.security"
NEW_PASSWORD = "a new and rather long passphrase"
LINK = re.compile(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)")


@pytest.fixture
def tech(db):
    return UserFactory(username="tech", email="tech@example.test")


def ask(client, email):
    return client.post(reverse("password_reset"), {"email": email})


def link_path(message) -> str:
    return LINK.search(message.body).group(1)


def set_password(client, path, password=NEW_PASSWORD):
    """Follow a mailed link and set a password; return the last response."""
    first = client.get(path)
    if first.status_code != HTTPStatus.FOUND:
        return first
    return client.post(first["Location"], {"new_password1": password, "new_password2": password})


def log_in(client, password):
    return client.post(reverse("login"), {"username": "tech", "password": password})


def test_the_login_page_links_to_the_reset_page(client):
    page = client.get(reverse("login"))
    assert reverse("password_reset").encode() in page.content
    assert b"Forgot password?" in page.content


def test_a_known_address_gets_one_link_for_its_account(client, tech, settings):
    settings.SOP_SITE_URL = "https://sop.example.internal"
    response = ask(client, "TECH@example.test")  # any case
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["tech@example.test"]
    assert "https://sop.example.internal/accounts/reset/" in message.body
    assert "tech" in message.body
    assert "1 hour" in message.body


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, tech):
    known = ask(client, "tech@example.test")
    mail.outbox.clear()
    unknown = ask(client, "nobody@example.test")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert mail.outbox == []
    page_known = client.get(known["Location"]).content
    page_unknown = client.get(unknown["Location"]).content
    assert page_known == page_unknown


@pytest.mark.parametrize(
    "account",
    [
        {"is_active": False},  # deactivated
        {"password": None},  # no local password (invited, or signs in through a directory)
    ],
    ids=["inactive", "no local password"],
)
def test_accounts_that_may_not_reset_get_no_mail_and_the_same_answer(client, account):
    user = UserFactory(username="someone", email="someone@example.test")
    if account.get("password", "") is None:
        user.set_unusable_password()
    user.is_active = account.get("is_active", True)
    user.save()
    response = ask(client, "someone@example.test")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_bad_address_is_a_form_error_not_a_crash(client):
    response = ask(client, "not an address" + "x" * 300)
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors["email"]
    assert mail.outbox == []


def test_the_link_sets_a_new_password_once(client, tech):
    ask(client, tech.email)
    path = link_path(mail.outbox[0])
    done = set_password(client, path)
    assert done.status_code == HTTPStatus.FOUND
    assert done["Location"] == reverse("password_reset_complete")
    tech.refresh_from_db()
    assert tech.check_password(NEW_PASSWORD)

    again = set_password(type(client)(), path, password="yet another long passphrase")
    assert again.status_code == HTTPStatus.BAD_REQUEST
    assert b"This link no longer works" in again.content
    tech.refresh_from_db()
    assert tech.check_password(NEW_PASSWORD)


def test_the_new_password_logs_in_and_the_old_one_no_longer_does(client, tech):
    ask(client, tech.email)
    set_password(client, link_path(mail.outbox[0]))
    assert log_in(client, PASSWORD).status_code == HTTPStatus.OK  # the form again
    assert log_in(client, NEW_PASSWORD).status_code == HTTPStatus.FOUND


def test_a_reset_ends_the_sessions_opened_with_the_old_password(client, tech):
    signed_in = type(client)()
    signed_in.force_login(tech)
    assert signed_in.get(reverse("procedures:contents")).status_code == HTTPStatus.OK
    ask(client, tech.email)
    set_password(client, link_path(mail.outbox[0]))
    assert signed_in.get(reverse("procedures:contents")).status_code == HTTPStatus.FOUND


def test_an_expired_link_is_refused(client, tech, settings):
    ask(client, tech.email)
    path = link_path(mail.outbox[0])
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 5)
    with mock.patch.object(
        default_token_generator, "_now", return_value=later.replace(tzinfo=None)
    ):
        response = set_password(client, path)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"This link no longer works" in response.content
    tech.refresh_from_db()
    assert tech.check_password(PASSWORD)


def test_a_link_still_within_its_time_works(client, tech, settings):
    ask(client, tech.email)
    path = link_path(mail.outbox[0])
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60)
    with mock.patch.object(
        default_token_generator, "_now", return_value=later.replace(tzinfo=None)
    ):
        response = set_password(client, path)
    assert response.status_code == HTTPStatus.FOUND


def test_the_lifetime_comes_from_the_setting(client, tech, settings):
    settings.PASSWORD_RESET_TIMEOUT = 15 * 60
    ask(client, tech.email)
    assert "15 minutes" in mail.outbox[0].body
    assert b"15 minutes" in client.get(reverse("password_reset_done")).content


def test_the_link_stops_working_once_the_user_is_deactivated(client, tech):
    ask(client, tech.email)
    path = link_path(mail.outbox[0])
    get_user_model().objects.filter(pk=tech.pk).update(is_active=False)
    response = set_password(client, path)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    tech.refresh_from_db()
    assert tech.check_password(PASSWORD)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/reset/MQ/abc-def/",
        "/accounts/reset/not-base64!/x/",
        "/accounts/reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5/abc/",
        "/accounts/reset/MQ/set-password/",
    ],
)
def test_altered_links_are_a_clear_400(client, tech, path):
    response = client.get(path)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"This link no longer works" in response.content


def test_a_locked_out_person_can_log_in_after_a_reset(client, tech):
    for _ in range(5):
        client.post(reverse("login"), {"username": "tech", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "tech", "password": PASSWORD})
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert reverse("password_reset").encode() in locked.content
    ask(client, tech.email)
    set_password(client, link_path(mail.outbox[0]))
    response = client.post(reverse("login"), {"username": "tech", "password": NEW_PASSWORD})
    assert response.status_code == HTTPStatus.FOUND


def test_requests_refusals_and_completions_are_logged(client, tech, caplog):
    caplog.set_level("INFO", logger=SECURITY_LOG)
    ask(client, "tech@example.test")
    ask(client, "nobody@example.test")
    path = link_path(mail.outbox[0])
    set_password(client, path)
    client.get(path)
    lines = [r.getMessage() for r in caplog.records if r.name == SECURITY_LOG]
    assert (
        "password reset requested: email='tech@example.test' from 127.0.0.1; 1 account(s) mailed"
        in lines
    )
    assert (
        "password reset requested: email='nobody@example.test' from 127.0.0.1; 0 account(s) mailed"
        in lines
    )
    assert "password reset completed: user='tech' from 127.0.0.1" in lines
    assert any(
        line.startswith("password reset link refused") and "'tech'" in line for line in lines
    )
    assert not any(NEW_PASSWORD in line for line in lines)


def test_a_failing_mail_server_gives_the_same_answer(client, tech, settings):
    settings.EMAIL_BACKEND = "tests.failing_mail.Backend"
    response = ask(client, tech.email)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("password_reset_done")


def test_the_reset_pages_need_no_login(client):
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        assert client.get(reverse(name)).status_code == HTTPStatus.OK
