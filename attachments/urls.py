from django.urls import path, register_converter

from . import views


class Sha256Converter:
    regex = "[0-9a-f]{64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(Sha256Converter, "sha256")

app_name = "attachments"
urlpatterns = [
    path("files/upload/<int:revision_id>/", views.UploadView.as_view(), name="upload"),
    path("files/<sha256:key>/display/<str:name>", views.DisplayView.as_view(), name="display"),
    path("files/<sha256:key>/<str:name>", views.FileView.as_view(), name="file"),
]
