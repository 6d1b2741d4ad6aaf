from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = "Procedures"

    def ready(self):
        # Connects the receivers: the security log's, and the invalidation of the contents
        # and permission caches.
        from . import auth, navigation, security  # noqa: F401
