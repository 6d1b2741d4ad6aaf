"""Signing in with OpenID Connect: Microsoft Entra ID first, any standard provider (Google
Workspace, Okta, Keycloak, Authentik) alike, through mozilla-django-oidc.

The library runs the authorisation code flow with state, nonce and PKCE kept in the session
(each state usable once). `OIDCBackend` adds what it leaves to its users: the provider's
endpoints come from its discovery document; the ID token's signature (the provider's JWKS),
issuer, audience, expiry and issue time are all verified; the tenant (Entra ID's `tid`) and
the address's domain must be allowed; the person is found by the subject the provider vouches
for (`DirectoryIdentity`), else by address, else created; a deactivated person is refused;
and the directory's groups set their roles (people.directory_roles) at every sign-in.
A refusal is a `SignInRefused` with a sentence for the person and one for the security log.
"""

from __future__ import annotations

import threading
import time

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from . import directory_roles
from .models import DirectoryIdentity

SOURCE = "oidc"
DISCOVERY_SECONDS = 3600
_discovery: dict[str, tuple[float, dict]] = {}
_discovery_lock = threading.Lock()


class SignInRefused(Exception):
    """The directory's answer does not let the person in: `reason` is for them, `detail`
    for the security log."""

    def __init__(self, reason: str, *, detail: str = "", status: int = 403):
        super().__init__(reason)
        self.reason, self.detail, self.status = reason, detail or reason, status


def configured() -> bool:
    """Return whether signing in with the directory is set up (client id and provider)."""
    return bool(settings.SOP_OIDC_CLIENT_ID and discovery_url())


def discovery_url() -> str:
    """Return the provider's discovery document's address (from the issuer if not given)."""
    if settings.SOP_OIDC_DISCOVERY_URL:
        return settings.SOP_OIDC_DISCOVERY_URL
    if settings.SOP_OIDC_ISSUER:
        return settings.SOP_OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration"
    return ""


def metadata() -> dict:
    """Return the provider's discovery document, fetched at most once an hour per process."""
    url = discovery_url()
    with _discovery_lock:
        fetched = _discovery.get(url)
        if fetched and time.monotonic() - fetched[0] < DISCOVERY_SECONDS:
            return fetched[1]
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
        for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not document.get(key):
                raise ValueError(f"no {key}")
    except (requests.RequestException, ValueError) as exc:
        raise SignInRefused(
            "The office's directory could not be reached. Try again in a minute, or ask "
            "your administrator.",
            detail=f"discovery document {url!r} unusable: {exc}",
            status=503,
        ) from exc
    with _discovery_lock:
        _discovery[url] = (time.monotonic(), document)
    return document


def expected_issuer(token: str) -> str:
    """Return the issuer the token must name: SOP_OIDC_ISSUER or the discovery document's.
    Entra ID's multi-tenant documents name "https://login.microsoftonline.com/{tenantid}/v2.0":
    the token's own tenant goes in (the tenant is checked against the allowed ones after)."""
    issuer = settings.SOP_OIDC_ISSUER or metadata()["issuer"]
    if "{tenantid}" in issuer:
        tenant = str(jwt.decode(token, options={"verify_signature": False}).get("tid", ""))
        issuer = issuer.replace("{tenantid}", tenant)
    return issuer


TOKEN_REFUSALS = (
    (jwt.ExpiredSignatureError, "expired", "The sign-in from the directory has expired."),
    (jwt.InvalidAudienceError, "wrong audience", "The sign-in was issued for another site."),
    (jwt.InvalidIssuerError, "wrong issuer", "The sign-in came from another directory."),
    (jwt.ImmatureSignatureError, "not yet valid", "The sign-in is not valid yet."),
    (jwt.InvalidSignatureError, "bad signature", "The sign-in's signature does not match."),
    (jwt.InvalidTokenError, "unreadable", "The sign-in from the directory could not be read."),
)


def token_refusal(exc: jwt.InvalidTokenError) -> SignInRefused:
    """Return the refusal for an ID token that failed a check."""
    for kind, what, sentence in TOKEN_REFUSALS:
        if isinstance(exc, kind):
            return SignInRefused(
                f"{sentence} Nobody was signed in; try again from the login page.",
                detail=f"ID token refused ({what}): {exc}",
            )
    raise exc  # pragma: no cover (InvalidTokenError is last)


def _claim_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with every ID token check switched on, the person found by
    their subject, and the directory's groups applied. It answers no permission question
    (procedures.auth.CachedPermissionBackend does, from the cache)."""

    def __init__(self, *args, **kwargs):
        # The library's reads its endpoints from settings at once; ours come from discovery
        # when a sign-in needs them, so the site starts while the provider is down.
        self.OIDC_RP_CLIENT_ID = settings.SOP_OIDC_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.SOP_OIDC_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = get_user_model()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    # ModelBackend's permission questions all read these: empty, never a query.
    get_user_permissions = get_group_permissions = get_all_permissions

    def authenticate(self, request, **kwargs):
        # Only the callback passes a nonce: a password login never reaches the provider.
        if request is None or "nonce" not in kwargs or not configured():
            return None
        provider = metadata()
        self.OIDC_OP_TOKEN_ENDPOINT = provider["token_endpoint"]
        self.OIDC_OP_JWKS_ENDPOINT = provider["jwks_uri"]
        self.OIDC_OP_USER_ENDPOINT = provider.get("userinfo_endpoint", "")
        try:
            return super().authenticate(request, **kwargs)
        except requests.RequestException as exc:
            raise SignInRefused(
                "The office's directory did not accept the sign-in. Try again from the login page.",
                detail=f"token or key request failed: {exc}"[:500],
            ) from exc

    def _verify_jws(self, payload, key):
        try:
            algorithm = jwt.get_unverified_header(payload).get("alg")
            if algorithm != self.OIDC_RP_SIGN_ALGO:
                raise jwt.InvalidAlgorithmError(f"algorithm {algorithm!r}")
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=expected_issuer(payload),
                leeway=settings.SOP_OIDC_LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            raise token_refusal(exc) from exc
        audiences = _claim_list(claims.get("aud"))
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise token_refusal(jwt.InvalidAudienceError("several audiences, azp not ours"))
        return claims

    def verify_token(self, token, **kwargs):
        try:
            return super().verify_token(token, **kwargs)
        except SuspiciousOperation as exc:  # the nonce, or no key with the token's kid
            raise SignInRefused(
                "The sign-in from the directory did not match the one this browser started. "
                "Try again from the login page.",
                detail=f"ID token refused: {exc}",
            ) from exc

    def get_userinfo(self, access_token, id_token, payload):
        """Return the ID token's claims, with what the userinfo endpoint adds (Entra ID
        sends groups in the ID token only)."""
        claims = {}
        if self.OIDC_OP_USER_ENDPOINT and settings.SOP_OIDC_USE_USERINFO:
            claims = super().get_userinfo(access_token, id_token, payload)
            if claims.get("sub") != payload.get("sub"):
                claims = {}
        return {**claims, **payload}

    def verify_claims(self, claims):
        allowed_tenants = settings.SOP_OIDC_ALLOWED_TENANTS
        if allowed_tenants and str(claims.get("tid", "")).lower() not in allowed_tenants:
            raise SignInRefused(
                "Your organisation's directory is not the one this site accepts.",
                detail=f"tenant {claims.get('tid')!r} not allowed",
            )
        email = str(claims.get("email") or claims.get("preferred_username") or "")
        domains = settings.SOP_OIDC_ALLOWED_EMAIL_DOMAINS
        if domains and email.rpartition("@")[2].lower() not in domains:
            raise SignInRefused(
                "Your address is not one of those this site accepts.",
                detail=f"email {email[:254]!r} not in an allowed domain",
            )
        return True

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        self.verify_claims(claims)
        subject = str(claims.get(settings.SOP_OIDC_SUBJECT_CLAIM) or "")
        if not subject:
            raise SignInRefused(
                "The directory did not say who you are.",
                detail=f"no {settings.SOP_OIDC_SUBJECT_CLAIM!r} claim",
            )
        groups = _claim_list(claims.get(settings.SOP_OIDC_GROUPS_CLAIM))
        issuer = str(payload["iss"])
        person = find_person(issuer=issuer, subject=subject, email=claims_email(claims))
        if person is None:
            with transaction.atomic():  # someone refused leaves no account behind
                person = create_person(claims)
                DirectoryIdentity.objects.create(person=person, issuer=issuer, subject=subject)
                directory_roles.apply_directory_groups(
                    user=person, group_names_or_ids=groups, source=SOURCE
                )
        else:
            DirectoryIdentity.objects.get_or_create(
                issuer=issuer, subject=subject, defaults={"person": person}
            )
            directory_roles.apply_directory_groups(
                user=person, group_names_or_ids=groups, source=SOURCE
            )
            update_names(person, claims)
        DirectoryIdentity.objects.filter(issuer=issuer, subject=subject).update(
            last_sign_in_at=timezone.now()
        )
        person.directory_groups = groups  # for the security log
        return person


def claims_email(claims: dict) -> str:
    """Return the address the directory gives (Entra ID: `email`, else the sign-in name)."""
    email = str(claims.get("email") or claims.get("preferred_username") or "").strip()
    return email if "@" in email else ""


def find_person(*, issuer: str, subject: str, email: str):
    """Return the person the directory vouches for: by their subject at this issuer, else the
    one account with their address and no identity at this issuer yet, else None."""
    identity = (
        DirectoryIdentity.objects.select_related("person")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        return identity.person
    if not email:
        return None
    User = get_user_model()
    matches = list(
        User.objects.filter(email__iexact=email).exclude(directory_identities__issuer=issuer)[:2]
    )
    if len(matches) > 1:
        raise SignInRefused(
            "Two accounts on this site have your address; ask an administrator to sort it out.",
            detail=f"two accounts with the email {email!r}",
        )
    return matches[0] if matches else None


def _names(claims: dict) -> tuple[str, str]:
    first, last = str(claims.get("given_name") or ""), str(claims.get("family_name") or "")
    if not (first or last) and claims.get("name"):
        first, _, last = str(claims["name"]).partition(" ")
    return first[:150], last[:150]


def create_person(claims: dict):
    """Create the account of someone the directory vouches for, with no password."""
    User = get_user_model()
    email = claims_email(claims)
    base = (email or str(claims.get("preferred_username") or claims["sub"])).lower()[:140]
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    first, last = _names(claims)
    person = User(username=username, email=email, first_name=first, last_name=last)
    person.set_unusable_password()
    person.save()
    return person


def update_names(person, claims: dict) -> None:
    """Keep the person's name as the directory has it."""
    first, last = _names(claims)
    if (first or last) and (first, last) != (person.first_name, person.last_name):
        person.first_name, person.last_name = first, last
        person.save(update_fields=["first_name", "last_name"])
