"""Whole reading pages, cached for readers: the 9 am rush costs one query a page.

Most people only read. For them a contents, volume, section or procedure page depends on
nothing but the manual's version (and, on a procedure page, the work in review's), whether
they are staff (the Admin link), their username in the menu and their CSRF token in the
Log out form. So `ReaderPageCacheMixin` renders such a page once per process and version,
with placeholders where the username and the token go, keeps it in the "template_fragments"
cache, and fills the placeholders in for each reader.

Not cached, rendered as usual: pages for anyone who may edit, add procedures or review
(their own drafts, buttons and queue count), a page with messages to show, a URL with a
query string, anything but a 200.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.functional import cached_property
from django.utils.html import escape

from . import workflow

# Placeholders that approved text cannot guess (derived from SECRET_KEY), the same in every
# process, so a page cached by one would still be filled in right by another.
_SEED = hmac.new(settings.SECRET_KEY.encode(), b"page-cache-placeholder", hashlib.sha256)
USERNAME = f"sop-username-{_SEED.hexdigest()[:24]}"
CSRF_TOKEN = f"sop-csrf-{_SEED.hexdigest()[24:48]}"
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


class ReaderPageCacheMixin:
    """For TemplateView reading pages: serve readers a cached copy of the whole page."""

    def page_versions(self) -> tuple[str, ...]:
        """Return the versions of what the page shows; a new version, a new page."""
        raise NotImplementedError

    @cached_property
    def _page_cache_key(self) -> str | None:
        request = self.request
        user = request.user
        if (
            request.method != "GET"
            or request.GET
            or not workflow.can_read(user)
            or workflow.can_edit(user)
            or workflow.can_create(user)
            or workflow.can_review(user)
            or len(messages.get_messages(request))
        ):
            return None
        versions = ":".join(self.page_versions())
        return f"procedures:page:{versions}:{int(user.is_staff)}:{request.path}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self._page_cache_key:
            context["nav_username"] = USERNAME
        return context

    def get(self, request, *args, **kwargs):
        key = self._page_cache_key
        if key is None:
            return super().get(request, *args, **kwargs)
        cache = caches["template_fragments"]
        page = cache.get(key)
        if page is None:
            response = super().get(request, *args, **kwargs)
            response.render()
            if response.status_code != 200:
                return response
            page = _CSRF_INPUT.sub(rf"\g<1>{CSRF_TOKEN}\g<2>", response.content.decode())
            cache.set(key, page, timeout=None)
        page = page.replace(USERNAME, escape(request.user.get_username()))
        if CSRF_TOKEN in page:
            page = page.replace(CSRF_TOKEN, get_token(request))
        return HttpResponse(page)
