"""What each reader keeps for themselves: starred procedures and the ones they read lately.

Personal bookmarks, not part of the manual: no revision events, no effect on what anyone
else sees. They live in the core because the core's own pages (the procedure page's star,
My work) show them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .manual import Procedure


class Favourite(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites"
    )
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "procedure"], name="favourite_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} ★ {self.procedure_id}"


class RecentView(models.Model):
    """The last time a person opened a procedure's page; only the latest few are kept."""

    KEPT = 10

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recent_views"
    )
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "procedure"], name="recent_view_once_per_user")
        ]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="recent_view_latest")]

    def __str__(self) -> str:
        return f"{self.user} read {self.procedure_id} at {self.viewed_at:%Y-%m-%d %H:%M}"
