from tests.people.ldap_fixtures import ldap_site, slapd_server, tls_slapd_server  # noqa: F401
