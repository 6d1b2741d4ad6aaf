"""Every change to people: invite, set roles, deactivate, reactivate. One function each, with
the acting user: in one transaction, the person's row locked, the policy asked, a domain error
when refused, a PersonEvent recorded, then procedures.workflow.effects.people_changed()."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from procedures.workflow import effects

from . import policy, signals
from .errors import NotAllowed, PeopleError
from .models import PersonEvent
from .tokens import invitation_tokens

logger = logging.getLogger(__name__)
User = get_user_model()
Action = PersonEvent.Action

# The roles given by groups (procedures/migrations/0002_roles.py); "administrator" is
# is_staff + is_superuser, set apart.
ROLE_GROUPS = ("Readers", "Editors", "Approvers")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise NotAllowed(message)


def _lock(person: AbstractBaseUser) -> AbstractBaseUser:
    return User.objects.select_for_update().get(pk=person.pk)


def _record(*, person, user, action: str, detail: str = "") -> PersonEvent:
    return PersonEvent.objects.create(person=person, actor=user, action=action, detail=detail[:500])


def _check_roles(roles) -> list[str]:
    unknown = sorted(set(roles) - set(ROLE_GROUPS))
    if unknown:
        raise PeopleError(f"No such role: {', '.join(map(repr, unknown))}.", code="roles")
    return [name for name in ROLE_GROUPS if name in roles]


def _roles_text(groups: list[str], administrator: bool) -> str:
    return ", ".join([*groups, *(["administrator"] if administrator else [])]) or "no role"


def _set_groups(person: AbstractBaseUser, groups) -> None:
    """Give the person exactly these groups and say which they joined and left."""
    before = set(person.groups.values_list("pk", flat=True))
    groups = list(groups)
    person.groups.set(groups)
    after = {group.pk for group in groups}
    if before != after:
        signals.groups_changed.send(
            sender=type(person), person=person, joined=after - before, left=before - after
        )


def invitation_link(person: AbstractBaseUser) -> str:
    """Return the link with which an invited person sets their first password."""
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    path = reverse(
        "invitation", kwargs={"uidb64": uid, "token": invitation_tokens.make_token(person)}
    )
    return settings.SOP_SITE_URL.rstrip("/") + path


def _mail_invitation(person: AbstractBaseUser, user: AbstractBaseUser) -> None:
    days = max(1, settings.SOP_INVITATION_TIMEOUT // 86400)
    message = (
        f"{user.get_full_name() or user.get_username()} invited you to the Operations Manual "
        f"as {person.get_username()}.\n\nSet your password here (the link works once, within "
        f"{days} day{'s' if days != 1 else ''}):\n\n{invitation_link(person)}\n"
    )

    def send() -> None:
        try:
            send_mail("You are invited to the Operations Manual", message, None, [person.email])
        except Exception:
            logger.exception("Could not send the invitation to person %s", person.pk)

    transaction.on_commit(send)


def person_invite(
    *, email: str, user: AbstractBaseUser, first_name: str = "", last_name: str = "",
    roles=("Readers",),
) -> AbstractBaseUser:  # fmt: skip
    """Create an account for the address, with no password yet, and mail it a link to set one."""
    _require(policy.can_manage_people(user), "Only administrators can invite people.")
    email = User.objects.normalize_email(email.strip())
    groups = _check_roles(roles)
    with transaction.atomic():
        username = email.lower()
        if (
            User.objects.filter(email__iexact=email).exists()
            or User.objects.filter(username__iexact=username).exists()
        ):
            raise PeopleError(f"Someone already has the address {email}.", code="duplicate")
        person = User(username=username, email=email, first_name=first_name, last_name=last_name)
        person.set_unusable_password()
        person.save()
        _set_groups(person, Group.objects.filter(name__in=groups))
        _record(person=person, user=user, action=Action.INVITED, detail=_roles_text(groups, False))
        effects.people_changed()
        _mail_invitation(person, user)
    return person


def person_reinvite(*, person: AbstractBaseUser, user: AbstractBaseUser) -> AbstractBaseUser:
    """Mail an invited person a new link (the old one expired or was lost): only for an
    active account that has never had a password."""
    with transaction.atomic():
        person = _lock(person)
        _require(policy.can_manage_people(user), "Only administrators can invite people.")
        if not policy.awaits_first_password(person):
            raise PeopleError(
                f"{person.get_username()} has set a password or is deactivated; "
                "they can use Forgot password? on the login page.",
                code="state",
            )
        _record(person=person, user=user, action=Action.INVITED, detail="invitation sent again")
        _mail_invitation(person, user)
    return person


def person_set_roles(
    *, person: AbstractBaseUser, roles, administrator: bool, user: AbstractBaseUser
) -> AbstractBaseUser:
    """Give the person exactly these roles (groups), and the administrator role or not."""
    groups = _check_roles(roles)
    with transaction.atomic():
        person = _lock(person)
        refusal = policy.roles_refusal(person, user, administrator=administrator)
        _require(not refusal, refusal)
        before = _roles_text(
            sorted(person.groups.values_list("name", flat=True)), policy.is_administrator(person)
        )
        _set_groups(person, Group.objects.filter(name__in=groups))
        fields = policy.administrator_fields(administrator)
        for field, value in fields.items():
            setattr(person, field, value)
        person.save(update_fields=list(fields))
        after = _roles_text(groups, administrator)
        _record(person=person, user=user, action=Action.ROLES_CHANGED, detail=f"{before} → {after}")
        effects.people_changed()
    return person


def person_deactivate(*, person: AbstractBaseUser, user: AbstractBaseUser) -> AbstractBaseUser:
    """Switch the person's account off: they cannot sign in, their sessions end; their
    revisions and events stay."""
    with transaction.atomic():
        person = _lock(person)
        refusal = policy.deactivation_refusal(person, user)
        _require(not refusal, refusal)
        if not person.is_active:
            raise PeopleError(f"{person.get_username()} is deactivated already.", code="state")
        person.is_active = False
        person.save(update_fields=["is_active"])
        _record(person=person, user=user, action=Action.DEACTIVATED)
        effects.people_changed()
    return person


def person_reactivate(*, person: AbstractBaseUser, user: AbstractBaseUser) -> AbstractBaseUser:
    """Switch a deactivated account back on, with the roles it had."""
    with transaction.atomic():
        person = _lock(person)
        _require(policy.can_manage_people(user), "Only administrators can reactivate people.")
        if person.is_active:
            raise PeopleError(f"{person.get_username()} is active already.", code="state")
        person.is_active = True
        person.save(update_fields=["is_active"])
        _record(person=person, user=user, action=Action.REACTIVATED)
        effects.people_changed()
    return person


# The second factor (TOTP, django-otp). Only the person sets theirs up or switches it off;
# an administrator may reset it (a lost phone). Wrong codes stay counted (django-otp's throttle
# is written outside the transaction that refuses).


def _devices(person):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.select_for_update().filter(user=person)


def second_factor_start(*, person: AbstractBaseUser, user: AbstractBaseUser):
    """Make a new, unconfirmed authenticator key for the person (shown once, then confirmed
    with a code); an earlier unconfirmed key stops working."""
    with transaction.atomic():
        person = _lock(person)
        refusal = policy.second_factor_refusal(person, user)
        _require(not refusal, refusal)
        devices = _devices(person)
        if devices.filter(confirmed=True).exists():
            raise PeopleError("Your second factor is on already.", code="state")
        devices.filter(confirmed=False).delete()
        return devices.model.objects.create(user=person, name="Authenticator app", confirmed=False)


def second_factor_confirm(*, person: AbstractBaseUser, code: str, user: AbstractBaseUser):
    """Switch the person's second factor on with a first right code from the new key."""
    with transaction.atomic():
        person = _lock(person)
        refusal = policy.second_factor_refusal(person, user)
        _require(not refusal, refusal)
        device = _devices(person).filter(confirmed=False).first()
        if device is None:
            raise PeopleError("Start the set-up again: no new key is waiting.", code="state")
        allowed = device.verify_is_allowed()[0]
        right = allowed and device.verify_token("".join(str(code).split()))
        if right:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _record(person=person, user=user, action=Action.SECOND_FACTOR_ON)
    if not right:
        raise PeopleError(_wrong_code_text(allowed), code="code")
    return device


def second_factor_off(
    *, person: AbstractBaseUser, user: AbstractBaseUser, code: str = "", password: str = ""
) -> AbstractBaseUser:
    """Switch the person's second factor off, proved with a code or their password."""
    with transaction.atomic():
        person = _lock(person)
        refusal = policy.second_factor_refusal(person, user)
        _require(not refusal, refusal)
        device = _devices(person).filter(confirmed=True).first()
        if device is None:
            raise PeopleError("Your second factor is off already.", code="state")
        allowed = True
        if password:
            right = person.check_password(password)
        else:
            allowed = device.verify_is_allowed()[0]
            right = allowed and device.verify_token("".join(str(code).split()))
        if right:
            _devices(person).delete()
            _record(person=person, user=user, action=Action.SECOND_FACTOR_OFF)
    if not right:
        raise PeopleError(
            "That password is not right." if password else _wrong_code_text(allowed),
            code="code",
        )
    return person


def second_factor_reset(*, person: AbstractBaseUser, user: AbstractBaseUser) -> AbstractBaseUser:
    """Take away the person's authenticator (lost or replaced phone): they sign in with their
    password alone until they set up a new one (or are sent to, as an administrator)."""
    with transaction.atomic():
        person = _lock(person)
        refusal = policy.second_factor_reset_refusal(person, user)
        _require(not refusal, refusal)
        devices = _devices(person)
        if not devices.filter(confirmed=True).exists():
            raise PeopleError(
                f"{person.get_username()} has no second factor to reset.", code="state"
            )
        devices.delete()
        _record(person=person, user=user, action=Action.SECOND_FACTOR_RESET)
    return person


def _wrong_code_text(allowed: bool) -> str:
    if not allowed:
        return "Too many wrong codes in a row: wait a few seconds, then try the newest code."
    return "That code is not right (or was used already): try the newest code from your app."


def person_sync_directory_roles(*, person: AbstractBaseUser, roles, managed, source: str) -> bool:
    """Set the roles the directory manages (`managed`) to those its groups give (`roles`),
    leaving the others as they are; record who did it as the directory. Return whether
    anything changed. The directory is the actor: it has already vouched for the person."""
    with transaction.atomic():
        person = _lock(person)
        refusal = policy.directory_sign_in_refusal(person)
        _require(not refusal, refusal)
        had = set(person.groups.values_list("name", flat=True))
        was_administrator = policy.is_administrator(person)
        # Groups the directory does not manage (other roles, any other group) stay.
        groups = {name for name in had if name not in managed}
        groups |= {
            name for name in _check_roles(set(roles) - {"administrators"}) if name in managed
        }
        administrator = (
            "administrators" in roles if "administrators" in managed else was_administrator
        )
        if groups == had and administrator == was_administrator:
            return False
        before = _roles_text(_check_roles(had & set(ROLE_GROUPS)), was_administrator)
        after = _roles_text(_check_roles(groups & set(ROLE_GROUPS)), administrator)
        person.groups.set(Group.objects.filter(name__in=groups))
        fields = policy.administrator_fields(administrator)
        for field, value in fields.items():
            setattr(person, field, value)
        person.save(update_fields=list(fields))
        _record(
            person=person,
            user=None,
            action=Action.ROLES_CHANGED,
            detail=f"{before} → {after}, from the directory's groups ({source})",
        )
        effects.people_changed()
    return True
