"""Signing in with LDAP, against a real OpenLDAP (slapd) the tests start: through the site's
login form, roles from the directory's groups at every sign-in, refusals logged."""

import logging
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from people.models import PersonEvent
from procedures import workflow
from tests.people import slapd
from tests.people.ldap_fixtures import use_ldap
from tests.roles import PASSWORD as LOCAL_PASSWORD
from tests.roles import make_user

pytestmark = pytest.mark.django_db
User = get_user_model()


def sign_in(client, username, password=slapd.PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def roles_of(username):
    user = User.objects.get(username=username)
    return sorted(user.groups.values_list("name", flat=True)), user.is_superuser


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="msp_sop.security")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "msp_sop.security"]


def test_an_approver_signs_in_with_the_directory_password(client, ldap_site, security_log):
    response = sign_in(client, "alice")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("procedures:contents")
    alice = User.objects.get(username="alice")
    assert (alice.first_name, alice.last_name, alice.email) == (
        "Alice", "Approver", "alice@example.test",
    )  # fmt: skip
    assert not alice.has_usable_password()  # no password of hers is kept here
    assert roles_of("alice") == (["Approvers"], False)
    assert workflow.policy.can_review(alice)
    assert client.get(reverse("procedures:review_queue")).status_code == HTTPStatus.OK
    assert any("directory sign-in (ldap): user='alice'" in m for m in security_log())
    event = PersonEvent.objects.get(person=alice)
    assert event.actor is None and "from the directory's groups (ldap)" in event.detail


def test_the_username_is_case_insensitive_one_account(client, ldap_site):
    assert sign_in(client, "Bob").status_code == HTTPStatus.FOUND
    client.logout()
    assert sign_in(client, "bob").status_code == HTTPStatus.FOUND
    assert User.objects.filter(username__iexact="bob").count() == 1
    assert roles_of("bob") == (["Editors"], False)


def test_leaving_a_group_removes_the_role_at_the_next_sign_in(client, ldap_site):
    assert sign_in(client, "gina").status_code == HTTPStatus.FOUND
    assert roles_of("gina") == (["Approvers", "Editors"], False)
    client.logout()
    change = "dn: {}\nchangetype: modify\n{}: member\nmember: {}\n"
    ldap_site.modify(
        change.format(slapd.group_dn("SOP Approvers"), "delete", slapd.user_dn("gina"))
    )
    try:
        assert sign_in(client, "gina").status_code == HTTPStatus.FOUND
        assert roles_of("gina") == (["Editors"], False)
        assert not workflow.policy.can_review(User.objects.get(username="gina"))
        assert client.get(reverse("procedures:review_queue")).status_code == HTTPStatus.FORBIDDEN
        details = PersonEvent.objects.filter(person__username="gina").values_list(
            "detail", flat=True
        )
        assert any("Editors, Approvers → Editors" in d for d in details)
    finally:
        ldap_site.modify(
            change.format(slapd.group_dn("SOP Approvers"), "add", slapd.user_dn("gina"))
        )


def test_a_mapped_administrators_group(client, ldap_site, settings):
    settings.SOP_DIRECTORY_GROUP_ROLES = {
        "cn=SOP Editors,ou=groups,dc=example,dc=test": "administrators"
    }
    assert sign_in(client, "bob").status_code == HTTPStatus.FOUND  # mapped by the group's DN
    assert roles_of("bob") == ([], True)
    assert client.get(reverse("people:list")).status_code == HTTPStatus.OK


def test_someone_in_no_mapped_group_is_refused_with_a_clear_page(client, ldap_site, security_log):
    response = sign_in(client, "carol")  # Technicians: no role here
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert b"Your account has no access here" in response.content
    assert b"in none of the groups" in response.content
    assert "_auth_user_id" not in client.session
    assert any(
        "directory sign-in refused (ldap): user='carol'" in m and "no mapped group" in m
        for m in security_log()
    )
    assert sign_in(client, "dave").status_code == HTTPStatus.FORBIDDEN  # in no group at all


def test_unmapped_people_can_be_made_readers(client, ldap_site, settings):
    settings.SOP_DIRECTORY_UNMAPPED = "reader"
    assert sign_in(client, "carol").status_code == HTTPStatus.FOUND
    assert roles_of("carol") == (["Readers"], False)
    assert client.get(reverse("procedures:contents")).status_code == HTTPStatus.OK


def test_a_wrong_password_is_refused_and_logged(client, ldap_site, security_log):
    response = sign_in(client, "alice", "not-her-password")
    assert response.status_code == HTTPStatus.OK
    assert b"correct username and password" in response.content
    assert "_auth_user_id" not in client.session
    messages = security_log()
    assert any("directory sign-in refused (ldap): user='alice'" in m for m in messages)
    assert any("login failed: user='alice'" in m for m in messages)


def test_the_lockout_applies_to_directory_passwords(client, ldap_site):
    for _ in range(5):
        sign_in(client, "alice", "guess")
    response = sign_in(client, "alice")  # the right password, too late
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "_auth_user_id" not in client.session


def test_a_deactivated_person_cannot_sign_in_by_ldap(client, ldap_site, security_log):
    assert sign_in(client, "bob").status_code == HTTPStatus.FOUND
    client.logout()
    User.objects.filter(username="bob").update(is_active=False)
    response = sign_in(client, "bob")
    assert response.status_code == HTTPStatus.OK  # the login form again, not signed in
    assert "_auth_user_id" not in client.session
    assert any("user='bob'" in m and "deactivated" in m for m in security_log())


def test_local_accounts_still_sign_in_with_ldap_configured(client, ldap_site):
    # A local account, even one whose name the directory also has: its password here decides,
    # and the directory's groups never touch its roles.
    admin = make_user("superuser", username="local-admin")
    assert sign_in(client, "local-admin", slapd.PASSWORD).status_code == HTTPStatus.OK
    assert sign_in(client, "local-admin", LOCAL_PASSWORD).status_code == HTTPStatus.FOUND
    assert roles_of("local-admin") == ([], True)
    client.logout()
    reader = make_user("reader")
    assert sign_in(client, reader.username, LOCAL_PASSWORD).status_code == HTTPStatus.FOUND
    assert User.objects.get(pk=admin.pk).has_usable_password()


def test_the_environment_switches_ldap_on(slapd_server):
    from people import ldap_config

    assert ldap_config.settings_from_env({}) == {}
    config = ldap_config.settings_from_env(
        slapd_server.env(SOP_LDAP_GROUP_TYPE="active_directory", SOP_LDAP_START_TLS="1")
    )
    assert config["AUTH_LDAP_START_TLS"] is True
    assert type(config["AUTH_LDAP_GROUP_TYPE"]).__name__ == "NestedActiveDirectoryGroupType"
    with pytest.raises(ldap_config.LDAPConfigurationError, match="SOP_LDAP_GROUP_TYPE"):
        ldap_config.settings_from_env(slapd_server.env(SOP_LDAP_GROUP_TYPE="posix"))


# TLS: a slapd whose certificate a throwaway CA signed, answering nothing without TLS.


def test_starttls_with_the_servers_ca_signs_in(client, settings, tls_slapd_server):
    server = tls_slapd_server
    use_ldap(settings, server.env(SOP_LDAP_START_TLS="1", SOP_LDAP_CA_FILE=str(server.ca_file)))
    assert sign_in(client, "alice").status_code == HTTPStatus.FOUND
    assert roles_of("alice") == (["Approvers"], False)


def test_ldaps_with_the_servers_ca_signs_in(client, settings, tls_slapd_server):
    server = tls_slapd_server
    use_ldap(
        settings,
        server.env(SOP_LDAP_SERVER_URI=server.ldaps_uri, SOP_LDAP_CA_FILE=str(server.ca_file)),
    )
    assert sign_in(client, "bob").status_code == HTTPStatus.FOUND
    assert roles_of("bob") == (["Editors"], False)


def test_without_tls_the_tls_server_refuses(client, settings, tls_slapd_server, security_log):
    use_ldap(settings, tls_slapd_server.env())  # so the tests above did use TLS
    assert sign_in(client, "alice").status_code == HTTPStatus.OK
    assert "_auth_user_id" not in client.session
    assert any(
        "directory sign-in refused (ldap): user='alice'" in m and "CONFIDENTIALITY_REQUIRED" in m
        for m in security_log()
    )


@pytest.mark.parametrize("ldaps", [False, True], ids=["starttls", "ldaps"])
def test_a_certificate_from_another_ca_is_refused(
    client, settings, tls_slapd_server, security_log, tmp_path, ldaps
):
    server = tls_slapd_server
    uri = {"SOP_LDAP_SERVER_URI": server.ldaps_uri} if ldaps else {"SOP_LDAP_START_TLS": "1"}
    use_ldap(settings, server.env(**uri, SOP_LDAP_CA_FILE=str(server.ca_file)))
    assert sign_in(client, "alice").status_code == HTTPStatus.FOUND
    client.logout()
    # Each connection has its own TLS settings: the CA of the sign-in before is not kept.
    other_ca = slapd.make_ca(tmp_path, "Other CA")
    use_ldap(settings, server.env(**uri, SOP_LDAP_CA_FILE=str(other_ca.certificate)))
    response = sign_in(client, "alice")
    assert response.status_code == HTTPStatus.OK  # the login form again, not a 500
    assert b"correct username and password" in response.content
    assert "_auth_user_id" not in client.session
    assert any(
        "directory sign-in refused (ldap): user='alice'" in m
        and "directory error (unreachable, or its TLS certificate not trusted)" in m
        for m in security_log()
    )
