"""Directory groups to roles (people/directory_roles.py): the setting's two spellings, roles
added and removed at each sign-in, roles the mapping never names left alone, the unmapped
policy, the event recorded, a deactivated person refused."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from people.directory_roles import (
    DirectorySignInRefused,
    apply_directory_groups,
    parse_group_roles,
)
from people.models import PersonEvent
from tests.roles import make_user

pytestmark = pytest.mark.django_db
User = get_user_model()
MAPPING = {
    "SOP Readers": "Readers",
    "SOP Editors": ["Editors"],
    "0b1e7a5e-approvers": "Approvers",
    "SOP Admins": "administrators",
}


def roles_of(person):
    person = User.objects.get(pk=person.pk)
    roles = sorted(person.groups.values_list("name", flat=True))
    return roles + (["administrators"] if person.is_superuser and person.is_staff else [])


def test_the_setting_reads_json_and_group_equals_role_pairs():
    as_pairs = parse_group_roles(
        "SOP Editors=Editors; sop editors=approver ;CN=Ops,OU=Groups,DC=example=admin"
    )
    assert as_pairs == {
        "sop editors": {"Editors", "Approvers"},
        "cn=ops,ou=groups,dc=example": {"administrators"},
    }
    assert parse_group_roles('{"a-b-c": ["Readers", "Editors"], "x": "administrator"}') == {
        "a-b-c": {"Readers", "Editors"},
        "x": {"administrators"},
    }
    assert parse_group_roles("") == {}


@pytest.mark.parametrize(
    "text", ["SOP Editors=Owners", "no equals sign", "{not json", "=Readers", '{"g": []}']
)
def test_a_setting_that_cannot_be_read_is_refused_by_name(text):
    with pytest.raises(ImproperlyConfigured, match="SOP_DIRECTORY_GROUP_ROLES"):
        parse_group_roles(text)


def test_manage_py_check_stops_on_a_bad_mapping(settings):
    settings.SOP_DIRECTORY_GROUP_ROLES = "SOP Editors=Owners"
    with pytest.raises(SystemCheckError, match="not a role"):
        call_command("check")
    settings.SOP_DIRECTORY_GROUP_ROLES = "SOP Editors=Editors"
    settings.SOP_DIRECTORY_UNMAPPED = "maybe"
    with pytest.raises(SystemCheckError, match="refuse or reader"):
        call_command("check")


def test_roles_are_added_then_removed_at_the_next_sign_in(settings):
    settings.SOP_DIRECTORY_GROUP_ROLES = MAPPING
    person = make_user("reader", username="nia")
    person.groups.clear()
    result = apply_directory_groups(
        user=person, group_names_or_ids=["sop editors", "0B1E7A5E-APPROVERS", "Other"],
        source="oidc",
    )  # fmt: skip
    assert result.changed
    assert roles_of(person) == ["Approvers", "Editors"]
    event = PersonEvent.objects.filter(person=person).first()
    assert event.action == PersonEvent.Action.ROLES_CHANGED and event.actor is None
    assert "no role → Editors, Approvers" in event.detail and "(oidc)" in event.detail

    # Left "SOP Approvers" in Entra: approval rights gone at the next sign-in.
    apply_directory_groups(user=person, group_names_or_ids=["SOP Editors"], source="oidc")
    assert roles_of(person) == ["Editors"]
    assert PersonEvent.objects.filter(person=person).count() == 2

    # Nothing changed: no new event.
    again = apply_directory_groups(user=person, group_names_or_ids=["SOP Editors"], source="oidc")
    assert not again.changed
    assert PersonEvent.objects.filter(person=person).count() == 2


def test_the_administrator_role_follows_its_group(settings):
    settings.SOP_DIRECTORY_GROUP_ROLES = MAPPING
    person = make_user("reader", username="ops")
    apply_directory_groups(user=person, group_names_or_ids=["SOP Admins", "SOP Readers"],
                           source="ldap")  # fmt: skip
    assert person.is_superuser and person.is_staff  # the object handed in is brought up to date
    assert roles_of(person) == ["Readers", "administrators"]
    apply_directory_groups(user=person, group_names_or_ids=["SOP Readers"], source="ldap")
    assert roles_of(person) == ["Readers"]
    assert not person.is_superuser


def test_roles_the_mapping_never_names_stay_as_set_in_the_app(settings):
    settings.SOP_DIRECTORY_GROUP_ROLES = {"SOP Editors": "Editors"}
    person = make_user("approver", username="amy")  # Approvers, given in the app
    person.is_superuser = person.is_staff = True
    person.save()
    apply_directory_groups(user=person, group_names_or_ids=["SOP Editors"], source="oidc")
    assert roles_of(person) == ["Approvers", "Editors", "administrators"]


def test_someone_in_no_mapped_group_is_refused_and_loses_the_mapped_roles(settings):
    settings.SOP_DIRECTORY_GROUP_ROLES = MAPPING
    person = make_user("editor", username="gone")
    with pytest.raises(DirectorySignInRefused, match="none of the groups") as refused:
        apply_directory_groups(user=person, group_names_or_ids=["Sales"], source="oidc")
    assert refused.value.code == "unmapped"
    assert roles_of(person) == []


def test_someone_in_no_mapped_group_is_made_a_reader_when_so_configured(settings):
    settings.SOP_DIRECTORY_GROUP_ROLES = MAPPING
    settings.SOP_DIRECTORY_UNMAPPED = "reader"
    person = make_user("editor", username="newcomer")
    result = apply_directory_groups(user=person, group_names_or_ids=[], source="oidc")
    assert result.roles == {"Readers"}
    assert roles_of(person) == ["Readers"]


def test_a_deactivated_person_is_refused_and_keeps_their_roles(settings):
    settings.SOP_DIRECTORY_GROUP_ROLES = MAPPING
    person = make_user("editor", username="left", is_active=False)
    with pytest.raises(DirectorySignInRefused, match="deactivated"):
        apply_directory_groups(user=person, group_names_or_ids=["SOP Admins"], source="oidc")
    assert roles_of(person) == ["Editors"]
    assert not PersonEvent.objects.filter(person=person).exists()
