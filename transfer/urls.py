from django.urls import path, register_converter

from . import views


class FormatConverter:
    regex = "html|markdown|pdf"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "format")

app_name = "transfer"
SECTION = "export/<format:fmt>/<int:volume>/<str:section>/"
urlpatterns = [
    path("export/<format:fmt>/", views.ExportView.as_view(), name="export_manual"),
    path("export/<format:fmt>/<int:volume>/", views.ExportView.as_view(), name="export_volume"),
    path(SECTION, views.ExportView.as_view(), name="export_section"),
    path(SECTION + "<slug:slug>/", views.ExportView.as_view(), name="export_procedure"),
    path("import/", views.ImportView.as_view(), name="import"),
]
