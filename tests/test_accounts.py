"""The login and logout pages (procedures/accounts.py): where they send someone on."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.roles import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN, LOGOUT = reverse("login"), reverse("logout")


@pytest.mark.parametrize(
    "next_",
    [
        LOGIN,
        f"{LOGIN}?next={LOGIN}",
        f"http://testserver{LOGIN}",
        LOGIN.replace("login", "%6Cogin"),
        LOGOUT,
        "https://elsewhere.example/",
        "",
    ],
)
@pytest.mark.parametrize("who", ["reader", "approver"])
def test_someone_logged_in_is_sent_from_the_login_page_to_the_contents_not_back_to_it(
    client, request, who, next_
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(LOGIN, {"next": next_})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("procedures:contents")


def test_someone_logged_in_is_sent_from_the_login_page_on_to_its_next(reader_client):
    page = reverse("procedures:procedure_list") + "?page=2"
    response = reader_client.get(LOGIN, {"next": page})
    assert response["Location"] == page


def test_logging_in_with_a_next_back_to_the_login_page_lands_on_the_contents(client, reader):
    response = client.post(LOGIN, {"username": "reader", "password": PASSWORD, "next": LOGIN})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("procedures:contents")


def test_the_login_form_keeps_a_next_elsewhere_but_not_one_back_to_itself(client):
    page = reverse("procedures:search")
    assert f'name="next" value="{page}"' in client.get(LOGIN, {"next": page}).content.decode()
    assert 'name="next" value=""' in client.get(LOGIN, {"next": LOGIN}).content.decode()


def test_logging_out_with_a_next_back_to_the_logout_page_lands_on_the_login_page(reader_client):
    response = reader_client.post(LOGOUT, {"next": LOGOUT})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == LOGIN
