"""Signing in with an LDAP / Active Directory account (django-auth-ldap), in
settings.AUTHENTICATION_BACKENDS only when SOP_LDAP_SERVER_URI is set (people/ldap_config.py).

At every sign-in the person's directory groups decide their roles
(people.directory_roles.apply_directory_groups), so a group left in the directory is a role
gone at the next sign-in. Refused, and said so in the security log: a wrong password, a
deactivated person, a person in none of the mapped groups (with a clear page, not the login
form's error). A local account (one with a password here, the break-glass administrator) is
never taken over by a directory entry of the same name: its password is checked here.
"""

from __future__ import annotations

import ldap
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django_auth_ldap.backend import LDAPBackend, ldap_error

from procedures import security

from . import policy
from .directory_roles import DirectorySignInRefused, apply_directory_groups
from .signin import DIRECTORY_REFUSAL

SOURCE = "ldap"
LDAP_ERROR = "_sop_ldap_error"  # on the request: what the directory's library raised


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's backend, with the app's roles from the directory's groups."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        User = get_user_model()
        local = User.objects.filter(username__iexact=username.strip()).first()
        if local is not None and policy.uses_local_password(local):
            return None  # a local account: ModelBackend checks its password
        self._request = request
        return super().authenticate(request, username=username, password=password, **kwargs)

    def ldap_to_django_username(self, username):
        # Directory names ignore case (JSmith is jsmith): one account here, not two.
        return username.lower()

    def authenticate_ldap_user(self, ldap_user, password):
        request, username = self._request, ldap_user._username
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None:
            error = getattr(request, LDAP_ERROR, None)
            reason = (
                _error_reason(error)
                if error is not None
                else "wrong password, unknown user or directory unreachable"
            )
            security.directory_sign_in_refused(
                request, source=SOURCE, username=username, reason=reason
            )
            return None
        if not user.is_active:
            security.directory_sign_in_refused(
                request, source=SOURCE, username=username, reason="deactivated here"
            )
            return None
        groups = {*ldap_user.group_names, *ldap_user.group_dns}
        try:
            apply_directory_groups(user=user, group_names_or_ids=groups, source=SOURCE)
        except DirectorySignInRefused as exc:
            security.directory_sign_in_refused(
                request,
                source=SOURCE,
                username=username,
                reason={"unmapped": "in no mapped group"}.get(exc.code, str(exc)),
            )
            if request is not None:
                setattr(request, DIRECTORY_REFUSAL, str(exc))  # its own page (people/signin.py)
            raise PermissionDenied(str(exc)) from exc  # no other backend tries this name
        security.directory_sign_in(
            request, source=SOURCE, user=user, roles=policy.roles_text(user), groups=groups
        )
        return user

    # Permissions come from the app's groups (procedures.auth.CachedPermissionBackend), never
    # from the directory: nothing here asks LDAP on a permission check.
    def get_group_permissions(self, user, obj=None):
        return set()

    def get_all_permissions(self, user, obj=None):
        return set()


def _error_reason(error) -> str:
    """What went wrong asking the directory (an untrusted certificate is a connect error)."""
    detail = error.args[0] if error.args and isinstance(error.args[0], dict) else {}
    hint = (
        " (unreachable, or its TLS certificate not trusted)"
        if isinstance(error, ldap.SERVER_DOWN | ldap.CONNECT_ERROR)
        else ""
    )
    said = [detail.get("desc", ""), detail.get("info", "")]
    said = "; ".join(text for text in said if text and text != "(unknown error code)")
    return f"directory error{hint}: {type(error).__name__}: {said}"


def _note_ldap_error(sender, context=None, request=None, exception=None, **kwargs):
    # django-auth-ldap catches its library's errors and reports them only with this signal.
    if request is not None and exception is not None:
        setattr(request, LDAP_ERROR, exception)


ldap_error.connect(_note_ldap_error, sender=DirectoryBackend, dispatch_uid="people.ldap_error")
