"""A request over Django's upload limit (DATA_UPLOAD_MAX_MEMORY_SIZE) gets the site's own 413
page, which says what happened and how to get the text back, instead of a bare 400.

Two ways in, neither reading the request body here (so no upload handler is disturbed):
- `RequestTooLargeMiddleware` answers an ordinary form post (urlencoded) whose declared
  Content-Length is over the limit before anything reads it, as Django itself would refuse
  it, in DEBUG too;
- `bad_request` (handler400) turns Django's RequestDataTooBig, raised wherever the body is
  read (a multipart form whose fields are too large), into the same page.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render
from django.views.defaults import bad_request as django_bad_request


def too_large_page(request):
    """Render the 413 page for a request over the upload limit."""
    context = {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    return render(request, "413.html", context, status=413)


def bad_request(request, exception=None):
    """handler400: the 413 page for a request over the limit, else the site's 400 page."""
    if isinstance(exception, RequestDataTooBig):
        return too_large_page(request)
    return django_bad_request(request, exception)


def declared_too_large(request) -> bool:
    """Whether a non-multipart request says it is larger than Django will read."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or request.content_type == "multipart/form-data":
        return False  # multipart: files do not count against the limit; Django checks fields
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > limit


class RequestTooLargeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if declared_too_large(request):
            return too_large_page(request)
        return self.get_response(request)
