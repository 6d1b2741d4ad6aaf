"""Files in procedures: one row per stored content (content-addressed by SHA-256), and which
revisions refer to it.

Who may fetch a file follows from the revisions that refer to it (attachments.policy); which
revisions those are is derived from each revision's text (attachments.transitions
`record_revision_attachments`). A stored file is never deleted by the app: a revision's text
never changes once it leaves draft, so something may always refer to it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone

from procedures.models import Revision


class Attachment(models.Model):
    """One stored file: its bytes are stored once, named after their SHA-256."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        FILE = "file", "File"

    sha256 = models.CharField(max_length=64, unique=True, help_text="Of the stored bytes.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(max_length=200, help_text="Name in the default storage.")
    # A scaled copy of a very wide image, shown in the page; the original is one click away.
    display = models.FileField(max_length=200, blank=True)
    name = models.CharField(max_length=150, help_text="Sanitised name of the first upload.")
    content_type = models.CharField(
        max_length=100, help_text="Decided by the app, never the client."
    )
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["image", "file"]), name="attachment_kind_valid"
            ),
            models.CheckConstraint(
                condition=Exact(Length("sha256"), 64), name="attachment_sha256_length"
            ),
            models.CheckConstraint(
                condition=~Q(kind="image") | (Q(width__isnull=False) & Q(height__isnull=False)),
                name="attachment_image_has_size",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]})"

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""

    @property
    def url_name(self) -> str:
        """Return the name as a URL segment (uploads never hold a slash; the admin might)."""
        return self.name.replace("/", "_").replace("\\", "_") or "file"

    def get_absolute_url(self) -> str:
        return reverse("attachments:file", kwargs={"key": self.sha256, "name": self.url_name})

    def display_url(self) -> str:
        """Return the URL of the copy shown in pages (the original when there is no copy)."""
        if not self.display:
            return self.get_absolute_url()
        return reverse("attachments:display", kwargs={"key": self.sha256, "name": self.url_name})


class RevisionAttachment(models.Model):
    """A revision refers to a stored file: in its text, or because it was uploaded to it."""

    revision = models.ForeignKey(
        Revision, on_delete=models.CASCADE, related_name="attachment_links"
    )
    attachment = models.ForeignKey(
        Attachment, on_delete=models.PROTECT, related_name="revision_links"
    )
    # Uploaded while editing this draft: the author may see it before the text refers to it.
    uploaded_here = models.BooleanField(default=False)
    # The revision's text links to the file (what the pages list).
    in_text = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0, help_text="Order of first mention.")

    class Meta:
        ordering = ["revision", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "attachment"], name="revision_attachment_once"
            ),
            models.CheckConstraint(
                condition=Q(uploaded_here=True) | Q(in_text=True),
                name="revision_attachment_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"r{self.revision_id} -> {self.attachment_id}"
