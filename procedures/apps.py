from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = "Procedures"

    def ready(self):
        # The security log's receivers, the integer fields' __in lookup, and the safety net
        # of cache invalidation for the admin and loaddata (procedures.signals).
        from . import (
            lookups,  # noqa: F401 (registers the lookup on import)
            security,  # noqa: F401 (connects its receivers on import)
            signals,
        )

        signals.connect()
        # The contents page's per-person "Your favourites" / "Recently viewed" (issue 15).
        from .caching import pages
        from .templatetags import bookmarks

        pages.register_slot("bookmarks", bookmarks.panel)
