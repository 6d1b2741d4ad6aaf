"""Directory sign-in without a browser: the login page with and without the directory, the
start of the flow (state, nonce and an S256 PKCE challenge kept in the session), a provider
that cannot be reached or a callback with any parameters refused with a page (never a 500),
and password sign-in and password reset kept for break-glass administrators
(SOP_LOCAL_LOGIN=administrators), with django-axes still counting failures."""

import base64
import hashlib
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from people import oidc
from tests import oidc_provider
from tests.roles import PASSWORD, make_user

pytestmark = pytest.mark.django_db
LOGIN = reverse("login")
START = reverse("oidc_authentication_init")
CALLBACK = reverse("oidc_authentication_callback")
UNREACHABLE = "http://127.0.0.1:9/.well-known/openid-configuration"


@pytest.fixture(scope="module")
def provider():
    try:
        started = oidc_provider.start_provider(redirect_uris=["http://testserver" + CALLBACK])
    except oidc_provider.ProviderUnavailable as exc:
        pytest.skip(f"no OpenID provider for the sign-in tests: {exc}")
    yield started
    oidc_provider.stop_provider(started)


@pytest.fixture
def unreachable(settings):
    """Set up, but pointing at a port where nothing answers."""
    settings.SOP_OIDC_DISCOVERY_URL = UNREACHABLE
    settings.SOP_OIDC_CLIENT_ID = "sop"
    oidc._discovery.clear()


def test_the_login_page_has_no_directory_button_until_it_is_set_up(client, settings):
    assert "Sign in with Microsoft" not in client.get(LOGIN).text
    assert client.get(START).status_code == HTTPStatus.NOT_FOUND
    settings.SOP_OIDC_DISCOVERY_URL = UNREACHABLE
    settings.SOP_OIDC_CLIENT_ID = "sop"
    settings.SOP_OIDC_BUTTON_LABEL = "Sign in with Contoso <Okta>"
    page = client.get(LOGIN, {"next": "/history/"}).text
    assert "Sign in with Contoso &lt;Okta&gt;" in page
    assert f'href="{START}?next=%2Fhistory%2F"' in page
    assert 'name="password"' in page  # everyone may still use a password


def test_the_start_keeps_state_nonce_and_a_pkce_verifier_and_sends_the_challenge(
    client, settings, provider
):
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    response = client.get(START)
    assert response.status_code == HTTPStatus.FOUND
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}" == provider.issuer
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert query["client_id"] == oidc_provider.CLIENT_ID
    assert query["redirect_uri"] == "http://testserver" + CALLBACK
    assert query["code_challenge_method"] == "S256"
    kept = client.session["oidc_states"][query["state"]]
    assert kept["nonce"] == query["nonce"] and len(query["nonce"]) >= 32
    digest = hashlib.sha256(kept["code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]


def test_a_provider_that_cannot_be_reached_is_a_clear_page(client, unreachable, caplog):
    response = client.get(START)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "could not be reached" in response.text
    assert any("directory sign-in refused" in r.getMessage() for r in caplog.records)


def test_a_callback_that_no_sign_in_started_is_refused(client, unreachable):
    response = client.get(CALLBACK, {"code": "abc", "state": "forged"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "did not start in this browser" in response.text
    session = client.session
    session["oidc_states"] = {"real": {"nonce": "n", "code_verifier": "v" * 64}}
    session.save()
    response = client.get(CALLBACK, {"code": "abc", "state": "forged"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    response = client.get(CALLBACK, {"error": "access_denied", "error_description": "Cancelled"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "The directory did not sign you in: Cancelled" in response.text


@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.dictionaries(
        st.sampled_from(["code", "state", "error", "error_description", "session_state"]),
        st.one_of(st.text(max_size=30), st.sampled_from(["", "x" * 5000, "<b>", "%00"])),
        max_size=4,
    )
)
def test_the_callback_answers_any_parameters_with_a_page(client, unreachable, params):
    params = {key: value.replace("\x00", "") for key, value in params.items()}
    response = client.get(CALLBACK, params)
    assert response.status_code in (HTTPStatus.BAD_REQUEST, HTTPStatus.FORBIDDEN)
    assert "Not signed in" in response.text


@pytest.fixture
def break_glass_only(settings, unreachable):
    settings.SOP_LOCAL_LOGIN = "administrators"


def test_with_break_glass_only_the_password_form_is_folded_away(client, break_glass_only):
    page = client.get(LOGIN).text
    assert "Sign in with Microsoft" in page
    assert "Administrator sign-in (break-glass)" in page
    assert page.index("<details") < page.index('name="password"')


def test_with_break_glass_only_a_password_works_for_administrators_only(
    client, break_glass_only, settings
):
    make_user("editor", username="pat")
    make_user("superuser", username="glass")
    refused = client.post(LOGIN, {"username": "pat", "password": PASSWORD})
    wrong = client.post(LOGIN, {"username": "pat", "password": "wrong-password"})
    assert refused.status_code == wrong.status_code == HTTPStatus.OK
    assert "Please enter a correct username and password" in refused.text
    assert refused.context["form"].errors == wrong.context["form"].errors
    assert "_auth_user_id" not in client.session
    # Lockout still applies: the refused right password counts as a failure.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(LOGIN, {"username": "pat", "password": PASSWORD})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    response = client.post(LOGIN, {"username": "glass", "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND
    assert client.session["_auth_user_id"]


def test_with_break_glass_only_a_reset_link_is_mailed_to_administrators_only(
    client, break_glass_only
):
    make_user("editor", username="pat", email="pat@example.test")
    make_user("superuser", username="glass", email="glass@example.test")
    answers = [
        client.post(reverse("password_reset"), {"email": email})
        for email in ("pat@example.test", "nobody@example.test", "glass@example.test")
    ]
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (HTTPStatus.FOUND, reverse("password_reset_done"))
    }
    assert [message.to for message in mail.outbox] == [["glass@example.test"]]


def test_with_password_sign_in_off_nobody_signs_in_with_one(client, settings, unreachable):
    settings.SOP_LOCAL_LOGIN = "off"
    make_user("superuser", username="glass")
    response = client.post(LOGIN, {"username": "glass", "password": PASSWORD})
    assert response.status_code == HTTPStatus.OK and "_auth_user_id" not in client.session
    assert 'name="password"' not in client.get(LOGIN).text


@pytest.mark.parametrize(
    "claims, allowed",
    [
        ({"tid": "9A1B-tenant", "email": "a@corp.test"}, True),  # tenant ids ignore case
        ({"tid": "other-tenant", "email": "a@corp.test"}, False),
        ({"email": "a@corp.test"}, False),  # a token naming no tenant
    ],
)
def test_only_the_allowed_tenants_sign_in(settings, claims, allowed):
    from people.oidc import OIDCBackend, SignInRefused

    settings.SOP_OIDC_ALLOWED_TENANTS = ["9a1b-tenant"]
    if allowed:
        assert OIDCBackend().verify_claims(claims) is True
    else:
        with pytest.raises(SignInRefused, match="not the one this site accepts"):
            OIDCBackend().verify_claims(claims)
