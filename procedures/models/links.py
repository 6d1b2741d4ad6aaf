"""The wiki-link table: which procedures the approved text of each procedure links to."""

from __future__ import annotations

from django.db import models

from .manual import Procedure


class ProcedureLink(models.Model):
    """A `[[wiki link]]` in a procedure's approved text, and the procedure it resolved to.

    Kept in step with the approved text by `procedures.linking.update_links` (an effect of
    approval, `workflow.effects`) and re-resolved by `manage.py rebuild_search_index`.
    `target_key` is the normalised link text, so links to a procedure that does not exist yet
    (target empty) can be found and mended once it does.
    """

    source = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="outgoing_links")
    target_key = models.CharField(max_length=300, help_text="Normalised text inside [[ ]].")
    target = models.ForeignKey(
        Procedure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incoming_links",
        help_text="Empty while the link is broken or ambiguous.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target_key"], name="link_once_per_source"),
        ]
        indexes = [models.Index(fields=["target_key"], name="link_by_target_key")]

    def __str__(self) -> str:
        return f"{self.source_id} -> [[{self.target_key}]]"
