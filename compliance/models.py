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
MAX_DUE_DAYS = 365


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


class AcknowledgementRequirement(models.Model):
    """Who must read and acknowledge a procedure, or every procedure of a section, and how soon.

    Exactly one of `procedure` and `section` is set. No groups: everyone who may read. A
    procedure's own requirement takes precedence over its section's.
    """

    procedure = models.OneToOneField(
        Procedure,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="acknowledgement_requirement",
    )
    section = models.OneToOneField(
        Section,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="acknowledgement_requirement",
    )
    groups = models.ManyToManyField(
        "auth.Group", blank=True, related_name="+", help_text="Empty: everyone who may read."
    )
    due_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Days to acknowledge after a new revision or after joining a group; empty: "
        "no due date.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(procedure__isnull=False, section__isnull=True)
                | Q(procedure__isnull=True, section__isnull=False),
                name="ack_requirement_one_scope",
            ),
            models.CheckConstraint(
                condition=Q(due_days__isnull=True) | Q(due_days__gte=1, due_days__lte=365),
                name="ack_requirement_due_days_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Acknowledgement of {self.procedure or self.section}"


class Acknowledgement(models.Model):
    """One person's "I have read and understood revision N", kept for ever (the audit record).

    `carried_from` is set when a minor change carried an earlier acknowledgement forward to
    this revision: the person did not read it again, and the record says so.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(default=timezone.now)
    carried_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-acknowledged_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "revision"], name="acknowledgement_once_per_revision"
            ),
        ]
        indexes = [
            models.Index(fields=["procedure", "person"], name="ack_procedure_person"),
            models.Index(fields=["person", "-acknowledged_at"], name="ack_person_at"),
        ]

    def __str__(self) -> str:
        return f"{self.person} read {self.revision} at {self.acknowledged_at:%Y-%m-%d %H:%M}"


class GroupMembershipEvent(models.Model):
    """When a person joined or left a group: the start of a new hire's "read these within N
    days", and what the compliance report needs to answer as of a past date."""

    class Action(models.TextChoices):
        JOINED = "joined", "Joined"
        LEFT = "left", "Left"

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["joined", "left"]), name="group_membership_action_valid"
            ),
        ]
        indexes = [models.Index(fields=["person", "group", "-at"], name="membership_person_group")]

    def __str__(self) -> str:
        return f"{self.person} {self.action} {self.group} at {self.at:%Y-%m-%d}"


class AcknowledgementRuleEvent(models.Model):
    """One change of who must acknowledge a procedure or a section: the rules' audit trail.

    Kept apart from `ReviewEvent` (a procedure's review cycle), because a rule may belong to
    a whole section. `detail` says what the rule became, e.g. "Technicians, within 14 days".
    """

    class Action(models.TextChoices):
        REQUIRED = "required", "Acknowledgement required"
        CHANGED = "changed", "Acknowledgement rule changed"
        REMOVED = "removed", "Acknowledgement no longer required"

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["required", "changed", "removed"]),
                name="ack_rule_event_action_valid",
            ),
            models.CheckConstraint(
                condition=Q(procedure__isnull=False, section__isnull=True)
                | Q(procedure__isnull=True, section__isnull=False),
                name="ack_rule_event_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"
