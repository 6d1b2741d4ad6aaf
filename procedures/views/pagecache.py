"""Reading pages served to readers from the whole-page cache (`caching.pages`).

Not cached, rendered as usual: pages for anyone the policy lets change something (their own
drafts, buttons and queue count), a page with messages to show, a URL with a query string,
anything but a 200.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.utils.functional import cached_property

from ..caching import pages
from ..workflow import policy


class ReaderPageCacheMixin:
    """For TemplateView reading pages: serve readers a cached copy of the whole page."""

    def page_versions(self) -> tuple[str, ...]:
        """Return the versions of what the page shows; a new version, a new page."""
        raise NotImplementedError

    @cached_property
    def _page_cache_key(self) -> str | None:
        request = self.request
        if request.method != "GET" or request.GET or len(messages.get_messages(request)):
            return None
        variant = policy.reader_page_variant(request.user)
        if variant is None:
            return None
        return pages.page_key(versions=self.page_versions(), variant=variant, path=request.path)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self._page_cache_key:
            context["nav_username"] = pages.USERNAME
        return context

    def get(self, request, *args, **kwargs):
        key = self._page_cache_key
        if key is None:
            return super().get(request, *args, **kwargs)
        page = pages.fetch(key)
        if page is None:
            response = super().get(request, *args, **kwargs)
            response.render()
            if response.status_code != 200:
                return response
            page = pages.store(key, response.content.decode())
        return HttpResponse(pages.fill(page, request))
