"""Who may manage people: every such question about people is answered here, built on
procedures.workflow.policy (an administrator must first be someone who may read)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from procedures import workflow

# Django's own "can change user": superusers have it, and so does anyone given it in the admin.
MANAGE_PERMISSION = "auth.change_user"


def can_manage_people(user: AbstractBaseUser) -> bool:
    """Return whether the user may invite people, change roles and deactivate (administrators)."""
    return workflow.can_read(user) and user.has_perm(MANAGE_PERMISSION)


def is_administrator(person: AbstractBaseUser) -> bool:
    """Return whether the person holds the administrator role (staff and superuser)."""
    return bool(person.is_staff and person.is_superuser)


def administrator_fields(administrator: bool) -> dict[str, bool]:
    """Return the user fields that give (or take away) the administrator role."""
    return {"is_staff": administrator, "is_superuser": administrator}


def administrators(people) -> set[int]:
    """Return the ids of those among `people` who hold the administrator role."""
    return {person.pk for person in people if is_administrator(person)}


def is_self(person: AbstractBaseUser, user: AbstractBaseUser) -> bool:
    """Return whether the person is the user themself."""
    return user.is_authenticated and person.pk == user.pk


def can_see_person(person: AbstractBaseUser, user: AbstractBaseUser) -> bool:
    """Return whether the user may open the person's page (their own, or an administrator)."""
    return workflow.can_read(user) and (is_self(person, user) or can_manage_people(user))


def deactivation_refusal(person: AbstractBaseUser, user: AbstractBaseUser) -> str:
    """Return why the user may not deactivate the person, or "" if they may."""
    if not can_manage_people(user):
        return "Only administrators can deactivate people."
    if is_self(person, user):
        return "You cannot deactivate yourself; ask another administrator."
    return ""


def roles_refusal(person: AbstractBaseUser, user: AbstractBaseUser, *, administrator: bool) -> str:
    """Return why the user may not set the person's roles so, or "" if they may."""
    if not can_manage_people(user):
        return "Only administrators can change roles."
    if is_self(person, user) and is_administrator(person) and not administrator:
        return "You cannot take the administrator role from yourself; ask another administrator."
    return ""


def directory_sign_in_refusal(person: AbstractBaseUser) -> str:
    """Return why the directory may not sign the person in (nor set their roles), or ""."""
    if not person.is_active:
        return "Your account on this site is deactivated. Ask an administrator."
    return ""


def awaits_first_password(person: AbstractBaseUser) -> bool:
    """Return whether the person is active, invited and has never had a password."""
    return bool(person.is_active and not person.has_usable_password() and person.last_login is None)


def person_actions(
    person: AbstractBaseUser, user: AbstractBaseUser, *, has_second_factor: bool = False
) -> set[str]:
    """Return the names of the transitions the user may try on the person now."""
    if not can_manage_people(user):
        return set()
    actions = {"roles"}
    if has_second_factor and not second_factor_reset_refusal(person, user):
        actions.add("reset_second_factor")
    if person.is_active and not deactivation_refusal(person, user):
        actions.add("deactivate")
    if not person.is_active:
        actions.add("reactivate")
    if awaits_first_password(person):
        actions.add("reinvite")
    return actions


def uses_local_password(person: AbstractBaseUser) -> bool:
    """Return whether the person signs in with a password kept here (a local account), not
    only through the directory (LDAP, OpenID Connect), whose accounts have no usable one."""
    return person.has_usable_password()


def roles_text(person: AbstractBaseUser) -> str:
    """Return the person's roles in words ("Editors, administrator", "no role")."""
    names = sorted(person.groups.values_list("name", flat=True))
    administrator = ["administrator"] if is_administrator(person) else []
    return ", ".join([*names, *administrator]) or "no role"


def asks_second_factor(person: AbstractBaseUser, *, has_device: bool) -> bool:
    """Return whether signing in with the person's password asks for a code next: a local
    account with an authenticator. Directory sign-ins never are (the directory does MFA)."""
    return uses_local_password(person) and has_device


def second_factor_refusal(person: AbstractBaseUser, user: AbstractBaseUser) -> str:
    """Return why the user may not set up or switch off the person's second factor, or ""."""
    if not is_self(person, user):
        return "Only the person themself can set up or switch off their second factor."
    if not uses_local_password(person):
        return "Your account signs in through the directory, which asks for its own second factor."
    return ""


def second_factor_reset_refusal(person: AbstractBaseUser, user: AbstractBaseUser) -> str:
    """Return why the user may not reset the person's second factor (a lost phone), or ""."""
    if not can_manage_people(user):
        return "Only administrators can reset someone's second factor."
    return ""


def may_need_second_factor_setup(user: AbstractBaseUser) -> bool:
    """Return whether SOP_REQUIRE_2FA_FOR_ADMINS applies to the user: a signed-in local
    administrator (whether they have a device is asked of the database after this)."""
    return bool(user.is_authenticated and is_administrator(user) and uses_local_password(user))


def second_factor_required(user: AbstractBaseUser) -> bool:
    """Return whether the user must have a second factor (SOP_REQUIRE_2FA_FOR_ADMINS)."""
    return bool(settings.SOP_REQUIRE_2FA_FOR_ADMINS) and may_need_second_factor_setup(user)
