"""The second factor of local accounts: a TOTP authenticator app (django-otp's totp plugin).

An enrolled person signing in with their password here is asked for a code next
(people/signin.py): the password step only holds the sign-in in the session, for
HOLD_SECONDS; the code step finishes it. Codes are one-use (django-otp keeps the last time
step used) and wrong ones are throttled (django-otp: 1, 2, 4 ... seconds) and counted by
django-axes as failed logins, so the username/address pair is locked out as for passwords.
Directory sign-ins (LDAP, OpenID Connect) are never asked: the directory does its own MFA.

With settings.SOP_REQUIRE_2FA_FOR_ADMINS, RequireSecondFactorMiddleware sends a local
administrator without a device to set one up before anything else.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import policy

# Session key of a sign-in whose password was right and whose code is still to come.
HELD = "_sop_second_factor_held"
HOLD_SECONDS = 5 * 60
# Pages an administrator who must set up a second factor can still open.
SETUP_PAGES = {
    "people:second_factor",
    "people:second_factor_start",
    "people:second_factor_confirm",
    "logout",
}


def device_of(person) -> TOTPDevice | None:
    """Return the person's confirmed authenticator, or None."""
    if person is None or not person.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=person, confirmed=True).first()


def waiting_device(person) -> TOTPDevice | None:
    """Return the person's key that is set up but not yet confirmed, or None."""
    return TOTPDevice.objects.filter(user=person, confirmed=False).first()


def asks_code(user) -> bool:
    """Return whether signing in as the user asks for a code after the password."""
    return policy.asks_second_factor(user, has_device=device_of(user) is not None)


def qr_svg(device: TOTPDevice) -> SafeString:
    """Return the device's otpauth:// link as an inline SVG QR code (no script, no style)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(device.config_url, image_factory=SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    # Safe: qrcode writes only the SVG element and a path of the modules; no text of the
    # person's (the username is inside the encoded data, not in the markup).
    return mark_safe(svg[svg.index("<svg") :])  # noqa: S308


def secret_text(device: TOTPDevice) -> str:
    """Return the key as an authenticator app asks for it typed: base32 in groups of four."""
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def clean_code(code: str) -> str:
    return "".join(str(code).split())


def hold_sign_in(request, *, user, redirect_to: str) -> None:
    """Keep a sign-in whose password was right until its code is given."""
    request.session[HELD] = {
        "user": user.pk, "backend": user.backend, "next": redirect_to, "at": int(time.time())
    }  # fmt: skip


def held_sign_in(request):
    """Return (the person, the held sign-in) of the session, or (None, None) if none or
    expired or the person is deactivated since."""
    held = request.session.get(HELD)
    if not isinstance(held, dict) or time.time() - held.get("at", 0) > HOLD_SECONDS:
        return None, None
    person = get_user_model().objects.filter(pk=held.get("user"), is_active=True).first()
    return (person, held) if person is not None else (None, None)


def drop_held_sign_in(request) -> None:
    request.session.pop(HELD, None)


def verify_code(*, person, code: str) -> bool:
    """Return whether the code is right for the person's authenticator, now and for the first
    time (the row is locked: two requests with one code cannot both pass)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=person, confirmed=True).first()
        return device is not None and device.verify_token(clean_code(code))


def code_allowed_now(person) -> bool:
    """Return whether django-otp's throttle lets the person's device check a code now."""
    device = device_of(person)
    return device is not None and device.verify_is_allowed()[0]


class RequireSecondFactorMiddleware:
    """With SOP_REQUIRE_2FA_FOR_ADMINS, send a local administrator without an authenticator
    to the page that sets one up, whatever they asked for (logout excepted)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.SOP_REQUIRE_2FA_FOR_ADMINS
            and user is not None
            and policy.may_need_second_factor_setup(user)
            and not request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/"))
            and _view_name(request) not in SETUP_PAGES
            and device_of(user) is None
        ):
            return redirect("people:second_factor")
        return self.get_response(request)


def _view_name(request) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""
