"""LDAP / Active Directory sign-in, configured from the environment (msp_sop/settings.py).

`settings_from_env()` turns the SOP_LDAP_* variables (.env.example, README) into
django-auth-ldap's AUTH_LDAP_* settings. LDAP is switched on only when SOP_LDAP_SERVER_URI is
set; only then are python-ldap and django-auth-ldap (requirements-ldap.txt) imported, so a
machine without them (or without the C headers they build with) runs the site as before.
"""

from __future__ import annotations

from collections.abc import Mapping

BACKEND = "people.ldap_backend.DirectoryBackend"

# SOP_LDAP_GROUP_TYPE: how the directory says who is in a group.
GROUP_TYPES = {
    # Active Directory: groups with `member`, nested groups followed (LDAP_MATCHING_RULE_IN_CHAIN).
    "active_directory": ("NestedActiveDirectoryGroupType", "(objectClass=group)"),
    # OpenLDAP and most others: groupOfNames with `member`; nested_ also follows groups in groups.
    "group_of_names": ("GroupOfNamesType", "(objectClass=groupOfNames)"),
    "nested_group_of_names": ("NestedGroupOfNamesType", "(objectClass=groupOfNames)"),
}


class LDAPConfigurationError(Exception):
    """SOP_LDAP_* variables that cannot work (said at start-up, not at the first sign-in)."""


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def settings_from_env(env: Mapping[str, str]) -> dict:
    """Return django-auth-ldap's settings for the SOP_LDAP_* variables ({} when LDAP is off)."""
    uri = env.get("SOP_LDAP_SERVER_URI", "").strip()
    if not uri:
        return {}
    try:
        import ldap
        from django_auth_ldap import config
    except ImportError as exc:
        raise LDAPConfigurationError(
            "SOP_LDAP_SERVER_URI is set, but django-auth-ldap or python-ldap is not installed: "
            "apt-get install libldap2-dev libsasl2-dev, then pip install -r requirements-ldap.txt"
        ) from exc
    user_base = env.get("SOP_LDAP_USER_SEARCH_BASE", "").strip()
    group_base = env.get("SOP_LDAP_GROUP_SEARCH_BASE", "").strip() or user_base
    if not user_base:
        raise LDAPConfigurationError("SOP_LDAP_SERVER_URI is set: set SOP_LDAP_USER_SEARCH_BASE")
    group_type = env.get("SOP_LDAP_GROUP_TYPE", "group_of_names").strip() or "group_of_names"
    if group_type not in GROUP_TYPES:
        raise LDAPConfigurationError(
            f"SOP_LDAP_GROUP_TYPE={group_type!r}: use one of {', '.join(GROUP_TYPES)}"
        )
    type_name, group_filter = GROUP_TYPES[group_type]
    options = {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: 10}
    ca_file = env.get("SOP_LDAP_CA_FILE", "").strip()
    if ca_file:
        options[ldap.OPT_X_TLS_CACERTFILE] = ca_file
    if ca_file or uri.startswith("ldaps:") or _flag(env.get("SOP_LDAP_START_TLS", "")):
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        options[ldap.OPT_X_TLS_NEWCTX] = 0  # last: applies the TLS options above
    return {
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_BIND_DN": env.get("SOP_LDAP_BIND_DN", ""),
        "AUTH_LDAP_BIND_PASSWORD": env.get("SOP_LDAP_BIND_PASSWORD", ""),
        "AUTH_LDAP_START_TLS": _flag(env.get("SOP_LDAP_START_TLS", "")),
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
        "AUTH_LDAP_USER_SEARCH": config.LDAPSearch(
            user_base,
            ldap.SCOPE_SUBTREE,
            env.get("SOP_LDAP_USER_FILTER", "").strip() or "(uid=%(user)s)",
        ),
        "AUTH_LDAP_USER_ATTR_MAP": {
            "first_name": env.get("SOP_LDAP_ATTR_FIRST_NAME", "givenName"),
            "last_name": env.get("SOP_LDAP_ATTR_LAST_NAME", "sn"),
            "email": env.get("SOP_LDAP_ATTR_EMAIL", "mail"),
        },
        "AUTH_LDAP_GROUP_SEARCH": config.LDAPSearch(group_base, ldap.SCOPE_SUBTREE, group_filter),
        "AUTH_LDAP_GROUP_TYPE": getattr(config, type_name)(name_attr="cn"),
        # Roles come from people.directory_roles, not from mirrored groups or LDAP permissions.
        "AUTH_LDAP_MIRROR_GROUPS": False,
        "AUTH_LDAP_FIND_GROUP_PERMS": False,
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "AUTH_LDAP_CACHE_TIMEOUT": 0,
    }
