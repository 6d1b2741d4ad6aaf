"""A procedure's revisions and its audit trail.

Readers see `Procedure.current_revision`, the one approved revision. Every change of a
revision's status happens in `procedures.workflow.transitions`; the rules the database can
hold (one approved revision per procedure, status values, the fields a status needs) it holds.
A revision's `body_html` is written with its body, by the transition that writes the body.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .manual import Procedure


class RevisionQuerySet(models.QuerySet):
    def awaiting_review(self) -> RevisionQuerySet:
        """Return the revisions awaiting review, oldest submission first."""
        return (
            self.filter(status=Revision.Status.IN_REVIEW)
            .select_related("procedure__section__volume", "author")
            .order_by("submitted_at", "pk")
        )

    def drafts(self) -> RevisionQuerySet:
        return self.filter(status=Revision.Status.DRAFT)

    def open(self) -> RevisionQuerySet:
        """Return drafts and revisions in review: work not yet decided."""
        return self.filter(status__in=Revision.OPEN_STATUSES)


class Revision(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"

    class Change(models.TextChoices):
        MATERIAL = "material", "Material change (readers acknowledge again)"
        MINOR = "minor", "Minor change (typos, formatting: earlier acknowledgements carry)"

    OPEN_STATUSES = (Status.DRAFT, Status.IN_REVIEW)
    DECIDED_STATUSES = (Status.APPROVED, Status.REJECTED, Status.SUPERSEDED)

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(help_text="Sequential per procedure, from 1.")
    body = models.TextField(blank=True, help_text="Markdown source.")
    body_html = models.TextField(blank=True, editable=False, help_text="Sanitised HTML of body.")
    toc_html = models.TextField(blank=True, editable=False, help_text="In-page contents list.")
    summary = models.CharField(max_length=300, blank=True, help_text="What changed and why.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_revisions"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The approved revision this one started from (empty for a first draft).",
    )
    revises = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The rejected revision this one was restored from, to revise it: its review "
        "shows the changes since that one (the fix) first.",
    )
    # Bumped on every save of a draft; an edit form carries the version it was opened on,
    # so a save from a stale form is refused instead of overwriting newer text.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_revisions",
    )
    review_comment = models.TextField(blank=True)
    # Marked by the author; the approver confirms or changes it when approving. A minor change
    # carries earlier read acknowledgements forward (compliance/), a material one asks again.
    change = models.CharField(max_length=10, choices=Change.choices, default=Change.MATERIAL)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["procedure", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="revision_number_unique"),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=Q(status="approved"),
                name="revision_one_approved_per_procedure",
            ),
            models.UniqueConstraint(
                fields=["procedure", "author"],
                condition=Q(status="draft"),
                name="revision_one_draft_per_author",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="revision_number_positive"),
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "in_review", "approved", "rejected", "superseded"]
                ),
                name="revision_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="in_review") | Q(submitted_at__isnull=False),
                name="revision_in_review_has_submitted_at",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "superseded", "rejected"])
                | (Q(reviewer__isnull=False) & Q(reviewed_at__isnull=False)),
                name="revision_decided_has_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(review_comment=""),
                name="revision_rejected_has_comment",
            ),
            models.CheckConstraint(
                condition=Q(change__in=["material", "minor"]), name="revision_change_valid"
            ),
        ]
        permissions = [("approve_revision", "Can approve or reject revisions")]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="revision_review_queue"),
            models.Index(fields=["author", "status"], name="revision_by_author"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure} r{self.number} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_out_of_date(self) -> bool:
        """Return whether another revision was approved after this open one started."""
        return self.is_open and self.based_on_id != self.procedure.current_revision_id

    def url_kwargs(self) -> dict:
        """Return the URL keywords (volume, section, slug, number) that name this revision."""
        return {**self.procedure.url_kwargs(), "number": self.number}

    def get_absolute_url(self) -> str:
        return reverse("procedures:revision", kwargs=self.url_kwargs())


class RevisionEvent(models.Model):
    """One line of a procedure's audit trail: who did what to which revision, and when."""

    class Action(models.TextChoices):
        CREATED = "created", "Draft started"
        SAVED = "saved", "Draft saved"
        SUBMITTED = "submitted", "Submitted for review"
        WITHDRAWN = "withdrawn", "Withdrawn to draft"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"
        RESTORED = "restored", "Restored as new draft"
        MERGED = "merged", "Brought up to date"
        DISCARDED = "discarded", "Draft discarded"

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="events")
    # SET_NULL: discarding a draft keeps the trail of what happened to it.
    revision = models.ForeignKey(
        Revision, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    revision_number = models.PositiveIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="revision_events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=Revision.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Revision.Status.choices, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["procedure", "created_at"], name="event_by_procedure")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"
