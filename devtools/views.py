"""The yardstick for `make bench`: a Django view that returns a saved page, no database work.

Mounted at /bench/bare/ only while devtools is installed (SOP_DEVTOOLS=1) and SOP_BENCH_HTML
names the saved page (devtools/urls.py). It goes through the
same middleware as every page, so the ratio of a reading page's throughput to this view's
measures what the reading page itself costs.
"""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse


@cache
def _saved_page() -> bytes:
    return Path(settings.SOP_BENCH_HTML).read_bytes()


@login_not_required
def bare_page(request):
    """Return the saved HTML of a procedure page."""
    return HttpResponse(_saved_page(), content_type="text/html; charset=utf-8")
