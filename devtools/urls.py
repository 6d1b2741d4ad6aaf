"""The load test's URLs, mounted by msp_sop/urls.py only while devtools is installed."""

from django.conf import settings
from django.urls import path

from devtools.views import bare_page

urlpatterns = []
# Only with a saved page to serve (tests/bench/run.py writes one), so that the test suite,
# which installs devtools, sees the site's URLs and no others.
if settings.SOP_BENCH_HTML:
    urlpatterns.append(path("bench/bare/", bare_page, name="bench_bare"))
