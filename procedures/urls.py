from django.urls import path, register_converter

from . import views


class NumeralConverter:
    """A section's Roman numeral, lower case in URLs (`/manual/3/ii/`)."""

    regex = "[ivxlc]+"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value.lower()


register_converter(NumeralConverter, "numeral")

app_name = "procedures"
urlpatterns = [
    path("", views.ContentsView.as_view(), name="contents"),
    path("procedures/", views.ProcedureListView.as_view(), name="procedure_list"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("manual/<int:volume>/", views.VolumeView.as_view(), name="volume"),
    path("manual/<int:volume>/<numeral:section>/", views.SectionView.as_view(), name="section"),
    path(
        "manual/<int:volume>/<numeral:section>/<slug:slug>/",
        views.ProcedureView.as_view(),
        name="procedure",
    ),
]
