"""Fixtures for the LDAP sign-in tests: a real slapd for the session (tests/people/slapd.py)
and the site pointed at it; another with TLS (a throwaway CA), and `use_ldap` to point the site at
one with any SOP_LDAP_* variables. Without slapd (or python-ldap) the tests are skipped with the
reason on a developer's machine, and fail under CI (CI=true, set by .ci/run): CI must run them.
"""

from __future__ import annotations

import os

import pytest

from tests.people import slapd

GROUP_ROLES = {"SOP Approvers": "Approvers", "SOP Editors": "Editors"}


def _cannot(reason: str):
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"LDAP tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"LDAP tests skipped: {reason}")


def _server(*, tls=False):
    reason = slapd.missing(tls=tls)
    if reason:
        _cannot(reason)
    try:
        server = slapd.start(tls=tls)
    except (RuntimeError, OSError) as exc:
        _cannot(f"could not start slapd: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def slapd_server():
    yield from _server()


@pytest.fixture(scope="session")
def tls_slapd_server():
    """A slapd with a certificate for 127.0.0.1 (CA: .ca_file), StartTLS and ldaps://."""
    yield from _server(tls=True)


def use_ldap(settings, env):
    """Sign in with LDAP as these SOP_LDAP_* variables would set it (settings: the fixture)."""
    from people import ldap_config

    for name, value in ldap_config.settings_from_env(env).items():
        setattr(settings, name, value)
    first, *others = (b for b in settings.AUTHENTICATION_BACKENDS if b != ldap_config.BACKEND)
    settings.AUTHENTICATION_BACKENDS = [first, ldap_config.BACKEND, *others]
    settings.SOP_DIRECTORY_GROUP_ROLES = GROUP_ROLES
    settings.SOP_DIRECTORY_UNMAPPED = "refuse"


@pytest.fixture
def ldap_site(settings, slapd_server):
    """The site with LDAP sign-in on, as SOP_LDAP_* variables would set it (and the role
    groups there: a transactional browser test before may have flushed them)."""
    from tests.conftest import ensure_roles

    ensure_roles()
    use_ldap(settings, slapd_server.env())
    return slapd_server
