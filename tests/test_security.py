"""Login protection, passwords, sessions, the Content-Security-Policy and the security log."""

import logging
import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.cached_db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from procedures.security import RENEWED_AT
from tests.factories import UserFactory
from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-password"
SECURITY_LOG = "msp_sop.security"


@pytest.fixture
def tech(db):
    return UserFactory(username="tech", password=PASSWORD)


def log_in(client, username="tech", password=PASSWORD, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail(client, times, **kwargs):
    for _ in range(times):
        response = log_in(client, password="wrong password", **kwargs)
    return response


# Content-Security-Policy ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", reverse("login")])
def test_every_page_carries_a_strict_content_security_policy(reader_client, manual, url):
    policy = reader_client.get(url)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in policy and "nonce" not in policy


# The exported manual (transfer/) and a checklist run's evidence are standalone documents
# WeasyPrint turns into PDF (or downloaded and opened from disk), where no site stylesheet can
# reach them: they carry their own <style>.
STANDALONE = settings.BASE_DIR / "templates" / "transfer" / "export"
STANDALONE_FILES = {settings.BASE_DIR / "templates" / "checklists" / "run_evidence.html"}


def test_no_template_has_inline_script_style_or_handlers():
    offenders = []
    for path in (settings.BASE_DIR / "templates").rglob("*.html"):
        if STANDALONE in path.parents or path in STANDALONE_FILES:
            assert "<script" not in path.read_text().lower(), path.name  # no script, even there
            continue
        text = path.read_text().lower()
        for needle in ("<script>", "<script ", "style=", " onclick", " onload", "<style"):
            if needle in text and not (needle == "<script " and 'src="' in text):
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []


# Login protection (django-axes) ------------------------------------------------------------


def test_five_failures_lock_the_username_from_that_address(client, tech, caplog):
    with caplog.at_level(logging.INFO, logger=SECURITY_LOG):
        assert fail(client, 4).status_code == HTTPStatus.OK  # the form again, with an error
        response = fail(client, 1)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    page = response.content.decode()
    assert "Too many failed logins" in page and "Operations Manual" in page
    assert "Try again in 15 minutes" in page and "tech" in page
    assert "login locked out: user='tech' from 10.0.0.1" in caplog.text
    # Even the right password is refused while locked.
    response = log_in(client)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "_auth_user_id" not in client.session


def test_a_lock_does_not_reach_other_addresses_or_other_people(client, tech):
    UserFactory(username="colleague", password=PASSWORD)
    fail(client, 5, address="10.0.0.1")
    assert log_in(Client(), address="10.0.0.2").status_code == HTTPStatus.FOUND
    assert log_in(Client(), username="colleague", address="10.0.0.1").status_code == 302


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the client wrote the first entry
        ("", "10.0.0.1"),
    ],
)
def test_behind_a_proxy_the_client_is_what_the_proxy_saw(settings, forwarded_for, client):
    from django.test import RequestFactory

    from procedures.security import client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == client


def test_behind_a_proxy_a_lock_still_stays_with_one_address(client, tech, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": "tech", "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    elsewhere = Client().post(
        reverse("login"),
        {"username": "tech", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert elsewhere.status_code == HTTPStatus.FOUND


def test_without_a_proxy_forwarded_for_is_ignored(client, tech):
    log_in(client, password="wrong", address="10.0.0.5")
    client.post(
        reverse("login"),
        {"username": "tech", "password": "wrong"},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.5"}


def test_the_lock_lifts_after_the_cool_off(client, tech):
    fail(client, 5)
    assert log_in(client).status_code == HTTPStatus.TOO_MANY_REQUESTS
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert log_in(client).status_code == HTTPStatus.FOUND


def test_a_successful_login_resets_the_count(client, tech):
    fail(client, 4)
    assert log_in(client).status_code == HTTPStatus.FOUND
    client.post(reverse("logout"))
    assert fail(client, 4).status_code == HTTPStatus.OK
    assert log_in(client).status_code == HTTPStatus.FOUND


@pytest.mark.parametrize("url", [reverse("login"), reverse("admin:login")])
def test_an_absurdly_long_username_is_a_failed_login_not_an_error(client, url):
    response = client.post(url, {"username": "u" * 300, "password": "x"})
    assert response.status_code == HTTPStatus.OK
    assert len(AccessAttempt.objects.get().username) == 150


def test_the_admin_login_is_protected_too(client, tech):
    url = reverse("admin:login")
    for _ in range(5):
        response = client.post(url, {"username": "tech", "password": "nope"}, REMOTE_ADDR="::1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


# Passwords ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["short-pass1", "qwerty123456", "qazwsxedcrfv", "183726450918273", "tech-support-tech"],
    ids=["11 characters", "common", "common 2", "all digits", "like the username"],
)
def test_weak_passwords_are_refused(password):
    user = get_user_model()(username="tech-support-tech")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_uncommon_password_is_accepted():
    validate_password("correct-horse-battery-staple", get_user_model()(username="tech"))


def test_changing_to_a_short_password_is_refused_and_the_old_one_kept(client, tech):
    client.force_login(tech)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Sh0rt!pass", "new_password2": "Sh0rt!pass"},
    )
    assert response.status_code == HTTPStatus.OK
    assert "at least 12 characters" in response.content.decode()
    tech.refresh_from_db()
    assert tech.check_password(PASSWORD)


# Sessions -----------------------------------------------------------------------------------


def test_session_lifetime_is_an_idle_timeout_of_eight_hours_by_default(tmp_path):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    code = "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"
    env = {"SOP_VAR_DIR": str(tmp_path), "SESSION_COOKIE_AGE": "900"}
    assert run_manage("shell", "--no-imports", "-c", code, env=env).stdout.strip() == "900"


def session_row(client):
    return Session.objects.get(pk=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_working_pushes_the_session_expiry_back_without_a_write_per_request(reader_client):
    reader_client.get("/")
    first = session_row(reader_client)
    reader_client.get("/")
    assert session_row(reader_client).expire_date == first.expire_date  # no write

    # A minute and more later, the next request renews the expiry.
    store = SessionStore(first.pk)
    store[RENEWED_AT] = int(time.time()) - settings.SESSION_RENEW_AFTER - 1
    store.save()
    Session.objects.filter(pk=first.pk).update(expire_date=timezone.now() + timedelta(hours=1))
    reader_client.get("/")
    renewed = session_row(reader_client)
    assert renewed.expire_date > timezone.now() + timedelta(
        seconds=settings.SESSION_COOKIE_AGE - 60
    )
    assert renewed.get_decoded()[RENEWED_AT] >= int(time.time()) - 5


def test_an_idle_session_ends(reader_client):
    reader_client.get("/")
    key = session_row(reader_client).pk
    # Time passes: the database row expires, and the cached copy times out with it.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    cache.delete(SessionStore(key).cache_key)
    response = reader_client.get("/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("login"))


def test_logout_ends_the_session_on_the_server(reader_client):
    old_cookie = reader_client.cookies[settings.SESSION_COOKIE_NAME].value
    assert reader_client.get("/").status_code == HTTPStatus.OK
    assert reader_client.post(reverse("logout")).status_code == HTTPStatus.FOUND
    assert not Session.objects.filter(pk=old_cookie).exists()
    assert cache.get(SessionStore(old_cookie).cache_key) is None
    # Someone who kept a copy of the old cookie gets nothing with it.
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    response = thief.get("/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("login"))


def test_logout_refuses_get(reader_client):
    assert reader_client.get(reverse("logout")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert reader_client.get("/").status_code == HTTPStatus.OK


# The security log ---------------------------------------------------------------------------


def test_logins_and_failures_are_logged_without_the_password(client, tech, caplog):
    with caplog.at_level(logging.INFO, logger=SECURITY_LOG):
        log_in(client, password="wrong password 1")
        log_in(client)
        client.post(reverse("logout"))
    messages = [r.getMessage() for r in caplog.records if r.name == SECURITY_LOG]
    assert messages == [
        "login failed: user='tech' from 10.0.0.1",
        "login succeeded: user='tech' from 10.0.0.1",
        "logout: user='tech' from 127.0.0.1",
    ]
    assert "wrong password" not in caplog.text


def test_a_username_cannot_forge_a_log_line(client, caplog):
    with caplog.at_level(logging.INFO, logger=SECURITY_LOG):
        log_in(client, username="x\n2026-01-01 INFO login succeeded: user='admin'")
    assert "\n" not in caplog.records[-1].getMessage()


def test_a_refused_csrf_check_is_logged(reader, caplog):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    with caplog.at_level(logging.INFO, logger=SECURITY_LOG):
        response = client.post(reverse("logout"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "refused: POST '/accounts/logout/' for user='reader'" in caplog.text


@pytest.mark.urls("tests.urls_refusing")
def test_a_permission_denied_is_logged_with_its_reason(reader_client, caplog):
    with caplog.at_level(logging.INFO, logger=SECURITY_LOG):
        response = reader_client.get("/refuse/")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Only approvers may do that." in response.content.decode()  # templates/403.html
    assert (
        "refused: GET '/refuse/' for user='reader' from 127.0.0.1: Only approvers may do that."
        in caplog.text
    )


# NUL bytes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/procedures/revision/?status__exact=%00",
        "/admin/procedures/revisionevent/?action__exact=%00",
        "/admin/auth/user/?q=a%00b",
        "/search/?q=%00",
        "/?%00=1",
    ],
)
def test_a_nul_byte_in_a_query_parameter_is_a_bad_request_in_the_site_layout(
    client, superuser, url, caplog
):
    client.force_login(superuser)
    with caplog.at_level(logging.INFO, logger=SECURITY_LOG):
        response = client.get(url)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.content.decode()
    assert "<h1>Bad request</h1>" in page
    assert ">root</a>" in page  # the navigation bar, for the person logged in
    assert response["Content-Security-Policy"]
    assert "bad request: NUL byte in the query of GET" in caplog.text


@pytest.mark.parametrize(
    "data", [{"username": "tech\x00", "password": "x"}, {"username": "tech", "pass\x00": "x"}]
)
def test_a_nul_byte_in_a_form_field_is_a_bad_request(client, tech, data):
    response = client.post(reverse("login"), data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not AccessAttempt.objects.exists()  # not even tried


@pytest.mark.parametrize("path", ["/clients/%00/", "/manual/3/ii/a%00b/", "/files/%00/x.png"])
def test_a_nul_byte_in_the_path_is_a_bad_request(client, superuser, path, caplog):
    # A URL argument reaches queries too: PostgreSQL refused the NUL with a server error.
    client.force_login(superuser)
    with caplog.at_level(logging.INFO, logger=SECURITY_LOG):
        response = client.get(path)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "<h1>Bad request</h1>" in response.content.decode()
    assert "bad request: NUL byte in the path of GET" in caplog.text
