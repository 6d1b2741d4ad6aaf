"""The People pages and their transitions: invite, roles, deactivate, reactivate; who may;
events recorded; deactivated people signed out; bad input a clear 4xx."""

import re
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from people import transitions
from people.errors import NotAllowed, PeopleError
from people.models import PersonEvent
from procedures import workflow
from tests.roles import client_as, make_user

pytestmark = pytest.mark.django_db
User = get_user_model()
LINK = re.compile(r"https?://[^/\s]+(/accounts/welcome/[^\s]+/)")


@pytest.fixture
def admin(db):
    return make_user("superuser", username="boss")


def roles_of(person):
    return sorted(User.objects.get(pk=person.pk).groups.values_list("name", flat=True))


def test_an_invited_person_sets_a_password_from_the_mailed_link(
    client, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = transitions.person_invite(
            email="New.Tech@Example.test", first_name="Nia", roles=["Editors"], user=admin
        )
    assert not person.has_usable_password()
    assert person.username == "new.tech@example.test"
    assert roles_of(person) == ["Editors"]
    event = PersonEvent.objects.get(person=person)
    assert (event.actor, event.action, event.detail) == (admin, "invited", "Editors")
    assert mail.outbox[0].to == ["New.Tech@example.test"]
    path = LINK.search(mail.outbox[0].body).group(1)
    form = client.get(path)
    assert form.status_code == HTTPStatus.FOUND
    done = client.post(
        form["Location"],
        {"new_password1": "my own long passphrase", "new_password2": "my own long passphrase"},
    )
    assert done["Location"] == reverse("password_reset_complete")
    assert User.objects.get(pk=person.pk).check_password("my own long passphrase")
    assert client.get(path).status_code == HTTPStatus.BAD_REQUEST  # once only


def test_an_invitation_link_is_not_a_reset_link(client, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        transitions.person_invite(email="a@example.test", user=admin)
    path = LINK.search(mail.outbox[0].body).group(1)
    assert client.get(path.replace("/welcome/", "/reset/")).status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.parametrize("email", ["boss@example.test", "BOSS@example.test"])
def test_a_duplicate_address_is_refused(admin, email):
    with pytest.raises(PeopleError):
        transitions.person_invite(email=email, user=admin)


def test_only_administrators_invite(reader):
    with pytest.raises(NotAllowed):
        transitions.person_invite(email="x@example.test", user=reader)
    assert not User.objects.filter(email="x@example.test").exists()


def test_roles_change_with_an_event_and_take_effect_at_once(admin, reader):
    assert not workflow.can_edit(User.objects.get(pk=reader.pk))
    transitions.person_set_roles(
        person=reader, roles=["Editors", "Approvers"], administrator=False, user=admin
    )
    fresh = User.objects.get(pk=reader.pk)
    assert workflow.can_edit(fresh) and workflow.can_review(fresh)
    event = PersonEvent.objects.get(person=reader)
    assert event.action == "roles_changed"
    assert event.detail == "Readers → Editors, Approvers"


def test_the_administrator_role_is_staff_and_superuser(admin, reader):
    transitions.person_set_roles(person=reader, roles=[], administrator=True, user=admin)
    fresh = User.objects.get(pk=reader.pk)
    assert fresh.is_staff and fresh.is_superuser
    transitions.person_set_roles(person=reader, roles=["Readers"], administrator=False, user=admin)
    fresh = User.objects.get(pk=reader.pk)
    assert not fresh.is_staff and not fresh.is_superuser


def test_an_unknown_role_is_refused(admin, reader):
    with pytest.raises(PeopleError):
        transitions.person_set_roles(person=reader, roles=["Gods"], administrator=False, user=admin)


def test_an_administrator_cannot_demote_or_deactivate_themself(admin):
    with pytest.raises(NotAllowed):
        transitions.person_set_roles(person=admin, roles=[], administrator=False, user=admin)
    with pytest.raises(NotAllowed):
        transitions.person_deactivate(person=admin, user=admin)


@pytest.mark.parametrize("role", ["reader", "editor", "approver"])
def test_others_cannot_change_people(role, reader):
    actor = make_user(role, username=f"actor-{role}")
    with pytest.raises(NotAllowed):
        transitions.person_set_roles(
            person=reader, roles=["Approvers"], administrator=True, user=actor
        )
    with pytest.raises(NotAllowed):
        transitions.person_deactivate(person=reader, user=actor)
    assert roles_of(reader) == ["Readers"]
    assert PersonEvent.objects.count() == 0


def test_deactivated_people_are_signed_out_and_cannot_sign_in(admin, reader, client):
    signed_in = client_as(reader)
    assert signed_in.get("/").status_code == HTTPStatus.OK
    transitions.person_deactivate(person=reader, user=admin)
    assert signed_in.get("/").status_code == HTTPStatus.FOUND  # to the login page
    response = client.post(
        reverse("login"), {"username": reader.username, "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == HTTPStatus.OK  # the form again, not signed in
    assert "_auth_user_id" not in client.session
    with pytest.raises(PeopleError):
        transitions.person_deactivate(person=reader, user=admin)
    transitions.person_reactivate(person=reader, user=admin)
    assert [e.action for e in PersonEvent.objects.filter(person=reader)] == [
        "reactivated",
        "deactivated",
    ]
    assert client_as(User.objects.get(pk=reader.pk)).get("/").status_code == HTTPStatus.OK


def test_the_people_page_lists_roles_and_last_sign_in_in_constant_queries(
    admin, django_assert_max_num_queries
):
    client = client_as(admin)
    for n in range(3):
        make_user("editor", username=f"e{n}")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("people:list"))
    for n in range(20):
        make_user("approver", username=f"a{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("people:list"))
    assert b"a19" in page.content and b"Approvers" in page.content and b"never" in page.content


def test_the_invite_form_reports_a_duplicate_as_400(admin):
    client = client_as(admin)
    response = client.post(reverse("people:invite"), {"email": admin.email, "roles": ["Readers"]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"already has the address" in response.content


def test_tampered_ids_are_404(admin):
    client = client_as(admin)
    assert client.get("/people/999999/").status_code == HTTPStatus.NOT_FOUND
    assert client.post("/people/999999/deactivate/").status_code == HTTPStatus.NOT_FOUND
    assert (
        client.post(f"/people/{admin.pk}/roles/", {"roles": ["Nope"]}).status_code
        == HTTPStatus.BAD_REQUEST
    )


def test_readers_see_approvers_and_owners_by_name_only(reader, approver, procedure):
    procedure.owner = make_user("editor", username="owner-one", first_name="Olga")
    procedure.save()
    page = client_as(reader).get(reverse("people:who")).content.decode()
    assert approver.username in page and "Olga" in page
    assert approver.email not in page


def test_own_page_shows_roles_and_password_link(reader):
    page = client_as(reader).get(reverse("people:me"))
    assert page.status_code == HTTPStatus.OK
    assert b"Readers" in page.content and reverse("password_change").encode() in page.content
    assert b"Deactivate" not in page.content


def test_an_invitation_can_be_sent_again_until_a_password_is_set(
    client, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person = transitions.person_invite(email="late@example.test", user=admin)
    with django_capture_on_commit_callbacks(execute=True):
        transitions.person_reinvite(person=person, user=admin)
    assert len(mail.outbox) == 2
    assert PersonEvent.objects.filter(person=person, action="invited").count() == 2
    path = LINK.search(mail.outbox[1].body).group(1)
    form = client.get(path)
    password = "a late but long passphrase"
    client.post(form["Location"], {"new_password1": password, "new_password2": password})
    with pytest.raises(PeopleError):
        transitions.person_reinvite(person=person, user=admin)


def test_only_administrators_send_invitations_again(
    admin, reader, django_capture_on_commit_callbacks
):
    person = transitions.person_invite(email="late@example.test", user=admin)
    with pytest.raises(NotAllowed):
        transitions.person_reinvite(person=person, user=reader)
