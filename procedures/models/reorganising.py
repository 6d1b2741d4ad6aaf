"""What happened to a procedure itself (archived, restored, renamed, moved, reordered, marked
as a template or made a section's default) and the
places it has been, so old addresses and `[[links]]` still find it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .manual import Procedure


class ProcedureEvent(models.Model):
    """One line of a procedure's own trail (revisions have `RevisionEvent`)."""

    class Action(models.TextChoices):
        ARCHIVED = "archived", "Archived"
        UNARCHIVED = "unarchived", "Restored from the archive"
        RENAMED = "renamed", "Renamed"
        MOVED = "moved", "Moved"
        REORDERED = "reordered", "Reordered"
        TEMPLATE_MARKED = "template_marked", "Marked as a template"
        TEMPLATE_UNMARKED = "template_unmarked", "No longer a template"
        SECTION_DEFAULT = "section_default", "Made a section's default template"

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="procedure_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="procedure_events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    detail = models.CharField(
        max_length=500, blank=True, help_text='What changed, e.g. "from “A” to “B”".'
    )
    comment = models.TextField(blank=True, help_text="Why (an archive's reason).")
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    action__in=[
                        "archived",
                        "unarchived",
                        "renamed",
                        "moved",
                        "reordered",
                        "template_marked",
                        "template_unmarked",
                        "section_default",
                    ]
                ),
                name="procedure_event_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"


class ProcedureFormerPlace(models.Model):
    """A path and title a procedure had before it was renamed or moved.

    `path` ("3/ii/old-slug") is unique: the old address redirects (301) straight to where the
    procedure is now, never through another old address, and `[[3/ii/old-slug]]` still
    resolves. `title_key` (the folded old title) lets `[[Old title]]` resolve when no
    procedure in use has that title now. A row whose path a procedure takes again is deleted.
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="former_places")
    path = models.CharField(max_length=250, unique=True)
    title_key = models.CharField(max_length=300, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.path} -> {self.procedure_id}"
