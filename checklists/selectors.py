"""Reads of runs that several views share."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from .models import Run, RunEvent, Schedule, ScheduleEvent, Step
from .schedules import describe, next_run, period_of


def run_for_page(pk: int) -> Run:
    """Return a run with what its page shows (its steps come in one more query)."""
    try:
        return (
            Run.objects.for_list()
            .select_related("finished_by", "procedure__current_revision", "revision__reviewer")
            .prefetch_related(
                _steps(),
                Prefetch("events", queryset=RunEvent.objects.select_related("user", "step")),
            )
            .get(pk=pk)
        )
    except Run.DoesNotExist as exc:
        raise Http404("No such run.") from exc


def _steps():
    return Prefetch("steps", queryset=Step.objects.select_related("changed_by"))


def _step_count(**filters):
    steps = Step.objects.filter(run=OuterRef("pk"), **filters).order_by()
    return Subquery(
        steps.values("run").annotate(n=Count("pk")).values("n"), output_field=IntegerField()
    )


def with_progress(queryset):
    """Return runs, newest first, with their number of steps and of finished ones.

    Correlated subqueries rather than a join and GROUP BY: the database counts the steps of
    the rows on the page only, however many runs there are."""
    return queryset.annotate(
        step_count=Coalesce(_step_count(), 0),
        finished_count=Coalesce(_step_count(state__in=["done", "na"]), 0),
    ).order_by("-started_at", "-pk")


def newer_revision(run: Run):
    """Return the procedure's current approved revision if it is newer than the run's."""
    current = run.procedure.current_revision
    if current is not None and current.pk != run.revision_id and run.is_open:
        return current
    return None


def step_of(run: Run, step_id: int) -> Step:
    """Return a step of this run (404 for another run's step)."""
    try:
        return Step.objects.get(pk=step_id, run=run)
    except Step.DoesNotExist as exc:
        raise Http404("No such step in this run.") from exc


def _plan(schedule: Schedule) -> dict:
    return {
        "frequency": schedule.frequency,
        "weekday": schedule.weekday,
        "week_of_month": schedule.week_of_month,
    }


def with_next_runs(schedules, today=None) -> list[Schedule]:
    """Return the schedules (running, then paused, then ended), each with `.recurrence` (in
    words) and `.next_period` and `.next_day` (None when paused or ended), in two queries
    however many there are."""
    today = today or timezone.localdate()
    schedules = list(schedules)
    # A run can exist for today's period at the latest: only those periods can be started.
    current = {s.pk: period_of(**_plan(s), date=today)[0] for s in schedules}
    started = set(
        Run.objects.filter(schedule__in=schedules, period__in=set(current.values()))
        .order_by()
        .values_list("schedule_id", "period")
    )
    for schedule in schedules:
        schedule.recurrence = describe(**_plan(schedule))
        schedule.next_period = schedule.next_day = None
        if schedule.state == "running":
            periods = {p for pk, p in started if pk == schedule.pk}
            schedule.next_period, schedule.next_day = next_run(
                **_plan(schedule), today=today, starts_on=schedule.starts_on, started=periods
            )
        schedule.due_now = schedule.next_day is not None and schedule.next_day <= today
    order = {"running": 0, "paused": 1, "ended": 2}  # what still starts runs, first
    return sorted(schedules, key=lambda s: order[s.state])


def schedule_for_page(pk: int) -> Schedule:
    """Return a schedule with what its page shows: next run, history (one more query)."""
    try:
        schedule = (
            Schedule.objects.for_list()
            .select_related("created_by", "ended_by")
            .prefetch_related(
                Prefetch("events", queryset=ScheduleEvent.objects.select_related("user"))
            )
            .get(pk=pk)
        )
    except Schedule.DoesNotExist as exc:
        raise Http404("No such schedule.") from exc
    return with_next_runs([schedule])[0]
