"""Fixtures for the LDAP sign-in tests: a real slapd for the session (tests/people/slapd.py)
and the site pointed at it. Without slapd (or python-ldap) the tests are skipped with the
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


@pytest.fixture(scope="session")
def slapd_server():
    reason = slapd.missing()
    if reason:
        _cannot(reason)
    try:
        server = slapd.start()
    except (RuntimeError, OSError) as exc:
        _cannot(f"could not start slapd: {exc}")
    yield server
    server.stop()


@pytest.fixture
def ldap_site(settings, slapd_server):
    """The site with LDAP sign-in on, as SOP_LDAP_* variables would set it."""
    from people import ldap_config

    for name, value in ldap_config.settings_from_env(slapd_server.env()).items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        settings.AUTHENTICATION_BACKENDS[0], ldap_config.BACKEND,
        *settings.AUTHENTICATION_BACKENDS[1:],
    ]  # fmt: skip
    settings.SOP_DIRECTORY_GROUP_ROLES = GROUP_ROLES
    settings.SOP_DIRECTORY_UNMAPPED = "refuse"
    return slapd_server
