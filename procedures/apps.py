from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = "Procedures"

    def ready(self):
        # Connects the receivers: the security log's, and the invalidation of the contents
        # and permission caches; registers the integer fields' __in lookup.
        from . import auth, lookups, navigation, security  # noqa: F401
