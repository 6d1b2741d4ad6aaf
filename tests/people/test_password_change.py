"""Directory accounts (LDAP, OpenID Connect) have no password here: the menu does not offer to
change one, and the change page says where to change it instead of asking for an old password
they never had."""

from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.roles import client_as, make_user

pytestmark = pytest.mark.django_db
CHANGE = "Change password"


def directory_reader(username="dir-reader"):
    user = make_user("reader", username=username)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def test_the_menu_offers_change_password_only_to_local_accounts_even_from_the_page_cache():
    local, directory = make_user("reader", username="local-reader"), directory_reader()
    contents = reverse("procedures:contents")
    for _ in range(2):  # the second time, both come from the whole-page cache
        assert CHANGE in client_as(local).get(contents).content.decode()
        assert CHANGE not in client_as(directory).get(contents).content.decode()
    editor = make_user("editor")  # pages of their own, never cached
    editor.set_unusable_password()
    editor.save(update_fields=["password"])
    assert CHANGE not in client_as(editor).get(contents).content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_directory_account_is_sent_to_its_page_and_told_where_to_change_it(method):
    user = directory_reader()
    response = getattr(client_as(user), method)(reverse("password_change"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("people:me")
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "kept by your office's directory" in message
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_local_account_still_changes_its_password():
    user = make_user("reader", username="local-reader")
    client = client_as(user)
    assert client.get(reverse("password_change")).status_code == HTTPStatus.OK
