"""Owners' review cycles: intervals per section and procedure, confirmed reviews, the
trail of review events and the record of reminder mail sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from procedures.models import Procedure, Revision, Section

MAX_INTERVAL_MONTHS = 120
MAX_COMMENT_LENGTH = 5000


def _interval_ok(field: str, *, nullable: bool) -> Q:
    valid = Q(**{f"{field}__gte": 1, f"{field}__lte": MAX_INTERVAL_MONTHS})
    return (Q(**{f"{field}__isnull": True}) | valid) if nullable else valid


class SectionReviewInterval(models.Model):
    """How often the procedures of one section are reviewed, unless they say otherwise."""

    section = models.OneToOneField(
        Section, on_delete=models.CASCADE, primary_key=True, related_name="review_interval"
    )
    months = models.PositiveSmallIntegerField(
        help_text=f"Months between reviews, 1 to {MAX_INTERVAL_MONTHS}."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_interval_ok("months", nullable=False),
                name="section_review_interval_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section}: every {self.months} months"


class ProcedureReview(models.Model):
    """A procedure's own review interval (empty: its section's or the installation's) and
    its last confirmed review ("reviewed, no change")."""

    procedure = models.OneToOneField(
        Procedure, on_delete=models.CASCADE, primary_key=True, related_name="review"
    )
    interval_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty: the section's interval, or the installation's."
    )
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_reviewed_revision = models.ForeignKey(
        Revision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_interval_ok("interval_months", nullable=True),
                name="procedure_review_interval_in_range",
            ),
            models.CheckConstraint(
                condition=Q(last_reviewed_at__isnull=True) | Q(last_reviewed_by__isnull=False),
                name="procedure_review_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.procedure}"


class ReviewEvent(models.Model):
    """One thing that happened to a procedure's ownership or review cycle."""

    class Action(models.TextChoices):
        OWNER_SET = "owner_set", "Owner changed"
        INTERVAL_SET = "interval_set", "Review interval changed"
        CONFIRMED = "confirmed", "Reviewed, no change"

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="review_events")
    revision = models.ForeignKey(
        Revision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    detail = models.CharField(max_length=300, blank=True, help_text="What changed, e.g. 12 → 6.")
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["owner_set", "interval_set", "confirmed"]),
                name="review_event_action_valid",
            ),
            models.CheckConstraint(
                condition=~Q(action="confirmed") | ~Q(comment=""),
                name="review_event_confirmed_has_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"


class ReminderSent(models.Model):
    """One owner's digest of procedures due for review, sent on one day: never twice."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_reminders"
    )
    day = models.DateField()
    procedures = models.PositiveIntegerField(help_text="How many procedures the mail listed.")
    sent_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-day", "owner"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "day"], name="reminder_once_per_owner_a_day"),
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.owner} on {self.day}"
