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

    # Subclasses say page_versions(): the versions of what the page shows.
    @cached_property
    def _page_cache_key(self) -> str | None:
        request = self.request
        variant = policy.reader_page_variant(request.user)
        if request.method != "GET" or request.GET or variant is None:
            return None
        if len(messages.get_messages(request)):
            return None
        return pages.page_key(versions=self.page_versions(), variant=variant, path=request.path)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self._page_cache_key:  # the menu shows a placeholder, filled in per reader
            context["nav_username"] = pages.USERNAME
        return context

    def get(self, request, *args, **kwargs):
        key = self._page_cache_key
        page = pages.fetch(key) if key else None
        if page is None:
            response = super().get(request, *args, **kwargs)
            if key is None:
                return response
            response.render()
            if response.status_code != 200:
                return response
            page = pages.store(key, response.content.decode())
        return HttpResponse(pages.fill(page, request))
