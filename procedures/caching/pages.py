"""Whole reading pages, cached for readers: the 9 am rush costs one query a page.

A reader's contents, volume, section or procedure page depends on nothing but versions
(`versions.MANUAL`, and on a procedure page `versions.WORK`), whether they may open the admin
(its menu link), their username in the menu and their CSRF token in the Log out form. So a
page is rendered once per process and version with placeholders where the username and the
token go, kept in the "template_fragments" cache (each process's own memory; the versions
in its key come from the shared cache), and filled in for each reader. Which pages and which
people qualify is the view's and the policy's business (`views.pagecache`).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.core.cache import caches
from django.middleware.csrf import get_token
from django.utils.html import escape

from .readers import favourite_ids

# Placeholders that approved text cannot guess (derived from SECRET_KEY), the same in every
# process, so a page cached by one would still be filled in right by another.
_SEED = hmac.new(settings.SECRET_KEY.encode(), b"page-cache-placeholder", hashlib.sha256)
USERNAME = f"sop-username-{_SEED.hexdigest()[:24]}"
CSRF_TOKEN = f"sop-csrf-{_SEED.hexdigest()[24:48]}"
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
# The procedure page's star: a class naming the procedure, replaced per reader by whether
# they starred it (one cache read, `readers.favourite_ids`).
FAVOURITE = f"sop-favourite-{_SEED.hexdigest()[48:64]}-"
_FAVOURITE = re.compile(re.escape(FAVOURITE) + r"(\d+)")
STARRED, NOT_STARRED = "is-favourite", "not-favourite"


def favourite_mark(procedure_id: int) -> str:
    """Return the placeholder a cached page carries where the star's state goes."""
    return f"{FAVOURITE}{procedure_id}"


def favourite_state(procedure_id: int, starred: frozenset[int]) -> str:
    return STARRED if procedure_id in starred else NOT_STARRED


# Per-person parts of a shared page (the apps built on procedures/ register them: compliance's
# "you acknowledged revision N" on a procedure page, its "To read" count in the menu). The
# cached page holds a placeholder `slot(name, argument)`; `fill` asks the registered function
# for the reader's HTML. Such a function must cost at most one cache lookup per request.
_SLOT_PREFIX = f"sop-slot-{_SEED.hexdigest()[48:64]}"
_SLOT = re.compile(rf"{_SLOT_PREFIX}:([a-z_]+):([0-9]*);")
_fillers: dict = {}


def register_slot(name: str, filler) -> None:
    """Say how a per-person slot is filled: `filler(request, argument) -> html` (safe)."""
    _fillers[name] = filler


def slot(name: str, argument: int | str = "") -> str:
    """Return the placeholder a cached page holds where slot `name` goes."""
    return f"{_SLOT_PREFIX}:{name}:{argument};"


def page_key(*, versions: tuple[str, ...], variant: str, path: str) -> str:
    """Return the cache key of a page at `path` built from `versions` for one kind of reader."""
    return f"procedures:page:{':'.join(versions)}:{variant}:{path}"


def fetch(key: str) -> str | None:
    """Return the cached page under `key`, placeholders and all, or None."""
    return caches["template_fragments"].get(key)


def store(key: str, html: str) -> str:
    """Keep a rendered page with placeholders for its reader's CSRF token; return that page."""
    page = _CSRF_INPUT.sub(rf"\g<1>{CSRF_TOKEN}\g<2>", html)
    caches["template_fragments"].set(key, page, timeout=None)
    return page


def fill(page: str, request) -> str:
    """Return a cached page with the requesting reader's username and CSRF token."""
    page = page.replace(USERNAME, escape(request.user.get_username()))
    if CSRF_TOKEN in page:
        page = page.replace(CSRF_TOKEN, get_token(request))
    if _SLOT_PREFIX in page:
        page = _SLOT.sub(lambda m: _fill_slot(request, m.group(1), m.group(2)), page)
    if FAVOURITE in page:
        starred = favourite_ids(request.user.pk)
        page = _FAVOURITE.sub(lambda m: favourite_state(int(m.group(1)), starred), page)
    return page


def _fill_slot(request, name: str, argument: str) -> str:
    filler = _fillers.get(name)
    return str(filler(request, argument)) if filler else ""
