from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = "Procedures"

    def ready(self):
        # Connects the receivers: the security log's, and the contents cache's invalidation.
        from . import navigation, security  # noqa: F401
