"""The site's URLs plus one view that refuses, for testing how refusals are handled."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from msp_sop.urls import urlpatterns as site_urlpatterns


def refuse(request):
    raise PermissionDenied("Only approvers may do that.")


urlpatterns = [path("refuse/", refuse), *site_urlpatterns]
