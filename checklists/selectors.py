"""Reads of runs that several views share."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from .models import Run, RunEvent, Step


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
