from tests.people.ldap_fixtures import ldap_site, slapd_server  # noqa: F401
