"""Clients, and checklist runs: an approved revision's task items worked through for a client."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from procedures.models import Procedure, Revision


class ClientQuerySet(models.QuerySet):
    def active(self):
        """Return the clients runs may be started for."""
        return self.filter(active=True)


class Client(models.Model):
    """A customer of the MSP; `external_id` is for a later sync with the PSA."""

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=20, unique=True, help_text="Short code, e.g. ACME.")
    active = models.BooleanField(default=True)
    external_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name", "code"]
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="client_code_not_empty"),
            models.CheckConstraint(condition=~Q(name=""), name="client_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("checklists:client", kwargs={"code": self.code})


class RunQuerySet(models.QuerySet):
    def for_list(self):
        """Return runs with what a list row shows, in one query."""
        return self.select_related(
            "client", "procedure__section__volume", "revision", "assignee", "started_by"
        )

    def open(self):
        return self.filter(status=Run.Status.OPEN)

    def overdue(self, today=None):
        """Return open runs whose due date has passed."""
        return self.open().filter(due_date__lt=today or timezone.localdate())


class Run(models.Model):
    """One working-through of an approved revision's steps for a client: the evidence."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"
        ABANDONED = "abandoned", "Abandoned"

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="runs")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="runs")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="runs")
    ticket = models.CharField(max_length=100, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_runs",
    )  # fmt: skip
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="started_runs"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="finished_runs",
    )  # fmt: skip
    finished_at = models.DateTimeField(null=True, blank=True)
    abandon_reason = models.TextField(blank=True)
    schedule = models.ForeignKey(
        "Schedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    period = models.CharField(max_length=20, blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["-started_at", "-id"], name="run_started_idx"),
            models.Index(fields=["status", "due_date"], name="run_status_due_idx"),
        ]
        constraints = [
            # Open: not finished. Completed: by someone, at a time. Abandoned: with a reason.
            models.CheckConstraint(
                condition=(
                    Q(
                        status="open",
                        finished_by__isnull=True,
                        finished_at__isnull=True,
                        abandon_reason="",
                    )
                    | Q(
                        status="completed",
                        finished_by__isnull=False,
                        finished_at__isnull=False,
                        abandon_reason="",
                    )
                    | (
                        Q(status="abandoned", finished_by__isnull=False, finished_at__isnull=False)
                        & ~Q(abandon_reason="")
                    )
                ),
                name="run_status_matches_its_fields",
            ),
            models.UniqueConstraint(
                fields=["schedule", "period"],
                condition=Q(schedule__isnull=False),
                name="run_one_per_schedule_period",
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk}: {self.procedure_id} for {self.client_id}"

    def get_absolute_url(self) -> str:
        return reverse("checklists:run", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()


class Step(models.Model):
    """One task item of the run's revision, and what was done about it."""

    class State(models.TextChoices):
        TODO = "todo", "To do"
        DONE = "done", "Done"
        NOT_APPLICABLE = "na", "Not applicable"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    group = models.CharField(max_length=200, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    # Sanitised by checklists.text (procedures.text.markdown's rules): safe to show.
    html = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.TODO)
    na_reason = models.TextField(blank=True)
    note = models.TextField(blank=True)
    # Raised by every change: a change sent with an older version is refused, not applied.
    version = models.PositiveIntegerField(default=1)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="step_position_unique"),
            models.CheckConstraint(
                condition=(
                    Q(state="todo", na_reason="")
                    | Q(
                        state="done",
                        na_reason="",
                        changed_by__isnull=False,
                        changed_at__isnull=False,
                    )
                    | (
                        Q(state="na", changed_by__isnull=False, changed_at__isnull=False)
                        & ~Q(na_reason="")
                    )
                ),
                name="step_state_matches_its_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"Step {self.position} of run {self.run_id}"

    @property
    def is_finished(self) -> bool:
        return self.state != self.State.TODO


class RunEvent(models.Model):
    """One line of a run's trail: who did what, to which step, when."""

    class Kind(models.TextChoices):
        STARTED = "started", "Started"
        TICKED = "ticked", "Ticked"
        UNTICKED = "unticked", "Unticked"
        NOT_APPLICABLE = "na", "Marked not applicable"
        NOTED = "noted", "Note"
        COMPLETED = "completed", "Completed"
        ABANDONED = "abandoned", "Abandoned"
        REOPENED = "reopened", "Reopened"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on run {self.run_id}"


class ScheduleQuerySet(models.QuerySet):
    def for_list(self):
        """Return schedules with what a list row shows, in one query."""
        return self.select_related("client", "procedure__section__volume", "assignee")

    def running(self):
        """Return the schedules whose runs the command starts: not paused, not ended."""
        return self.filter(active=True, ended_at__isnull=True)


class Schedule(models.Model):
    """A run to start every period for a client (e.g. monthly, on the first Monday).

    Paused: `active` is off. Ended: `ended_at` is set (and it is inactive for good); an ended
    schedule keeps its runs and its history, which is why schedules end rather than go."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="schedules")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="schedules")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday … 6 = Sunday")
    # Monthly: which of the month's weekdays (1 = first … 4 = fourth; 5 = last).
    week_of_month = models.PositiveSmallIntegerField(default=1)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    # No run for a period whose day comes before this date (empty: from the period it is made in).
    starts_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = ScheduleQuerySet.as_manager()

    class Meta:
        ordering = ["client", "procedure", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="schedule_weekday_valid"),
            models.CheckConstraint(
                condition=Q(week_of_month__gte=1, week_of_month__lte=5),
                name="schedule_week_of_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=["weekly", "monthly"]),
                name="schedule_frequency_valid",
            ),
            # Running or paused: not ended. Ended: by someone, at a time, and inactive for good.
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, ended_by__isnull=True)
                | Q(ended_at__isnull=False, ended_by__isnull=False, active=False),
                name="schedule_ended_matches_its_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} {self.procedure_id} for {self.client_id}"

    def get_absolute_url(self) -> str:
        return reverse("checklists:schedule", kwargs={"pk": self.pk})

    @property
    def state(self) -> str:
        """Return "running", "paused" or "ended"."""
        if self.ended_at is not None:
            return "ended"
        return "running" if self.active else "paused"


class ScheduleEvent(models.Model):
    """One line of a schedule's history: who made, changed, paused, resumed or ended it."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        PAUSED = "paused", "Paused"
        RESUMED = "resumed", "Resumed"
        ENDED = "ended", "Ended"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on schedule {self.schedule_id}"
