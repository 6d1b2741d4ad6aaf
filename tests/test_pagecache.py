"""Whole reading pages cached for readers (procedures/caching/pages.py, views/pagecache.py): each reader still sees
their own name and a working CSRF token, and never a page that is out of date."""

from http import HTTPStatus

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from procedures import workflow
from tests.conftest import _member
from tests.factories import ProcedureFactory, approved_revision

pytestmark = pytest.mark.django_db


def cached_pages() -> int:
    return sum(1 for key in caches["template_fragments"]._cache if ":procedures:page:" in key)


@pytest.fixture
def procedure():
    procedure = ProcedureFactory(title="Patch Tuesday")
    approved_revision(procedure, body="Apply the patches on the second Tuesday.")
    return procedure


def reader_named(name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(_member(name, "Readers"))
    return client


def test_each_reader_sees_their_own_name_and_token(procedure):
    url = procedure.get_absolute_url()
    alice, bob = reader_named("alice"), reader_named("bob<&>")
    first = alice.get(url)
    assert cached_pages() == 1
    second = bob.get(url)
    assert cached_pages() == 1  # served from the cache
    assert "Apply the patches" in second.content.decode()
    assert ">alice</a>" in first.content.decode()
    assert ">bob&lt;&amp;&gt;</a>" in second.content.decode()
    assert "alice" not in second.content.decode()
    # Bob's Log out button carries Bob's token: it works.
    token = second.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = bob.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == HTTPStatus.FOUND
    assert bob.get(url).status_code == HTTPStatus.FOUND  # to the login page: logged out


def test_an_approval_replaces_the_cached_page(procedure, editor, approver):
    url = procedure.get_absolute_url()
    alice = reader_named("alice")
    assert "second Tuesday" in alice.get(url).content.decode()
    draft = workflow.revision_start_draft(procedure=procedure, user=editor)
    draft = workflow.revision_save_draft(
        revision=draft,
        user=editor,
        body="Apply them on Wednesday.",
        summary="s",
        expected_version=1,
    )
    workflow.revision_submit(revision=draft, user=editor)
    assert "is in review" in alice.get(url).content.decode()
    workflow.revision_approve(revision=draft, user=approver)
    page = alice.get(url).content.decode()
    assert "on Wednesday" in page and "second Tuesday" not in page
    assert "is in review" not in page


def test_editors_and_approvers_get_their_own_page(procedure, editor, approver):
    url = procedure.get_absolute_url()
    reader_named("alice").get(url)
    for user in (editor, approver):
        client = Client()
        client.force_login(user)
        page = client.get(url).content.decode()
        assert ">Edit</button>" in page
        assert f">{user.get_username()}</a>" in page
    assert cached_pages() == 1  # only the reader's


def test_messages_are_shown_not_cached_away(procedure, client, reader):
    url = procedure.get_absolute_url()
    reader_named("alice").get(url)
    client.force_login(reader)
    encoded = CookieStorage(None)._encode([Message(message_levels.INFO, "Hi!")])
    client.cookies[CookieStorage.cookie_name] = encoded
    assert "Hi!" in client.get(url).content.decode()
    assert "Hi!" not in client.get(url).content.decode()  # shown once


def test_a_query_string_is_rendered_not_cached(procedure):
    alice = reader_named("alice")
    alice.get(procedure.get_absolute_url() + "?utm=x")
    assert cached_pages() == 0


def test_someone_who_may_only_add_procedures_gets_their_own_page(procedure):
    from django.contrib.auth.models import Permission

    url = procedure.section.get_absolute_url()
    adder = _member("adder", "Readers")
    adder.user_permissions.add(Permission.objects.get(codename="add_procedure"))
    client = Client()
    client.force_login(adder)
    assert "Add a procedure" in client.get(url).content.decode()
    assert "Add a procedure" not in reader_named("alice").get(url).content.decode()
