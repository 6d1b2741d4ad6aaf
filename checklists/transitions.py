"""Every change to clients and runs: plain functions, keyword-only, with the acting user.

Each locks the rows it changes, asks the policy, checks the state, writes who and when, and
records a RunEvent (a ScheduleEvent for a schedule). A step change carries the step's version
as the page showed it, so two technicians on one run never overwrite each other's work: the
second change is refused.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from procedures.models import Procedure, Revision

from . import policy
from .errors import BadInput, NotAllowed, RunError, StaleStep
from .models import Client, Run, RunEvent, Schedule, ScheduleEvent, Step
from .schedules import describe, due_period, recurrence_problem
from .text import extract_steps

MAX_NOTE = 5000
MAX_REASON = 2000


def _require_manager(user: AbstractBaseUser) -> None:
    if not policy.can_manage_clients(user):
        raise NotAllowed("Only approvers manage clients.")


def _clean_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not code:
        raise BadInput("A client needs a short code.", code="required")
    return code


def client_create(*, user: AbstractBaseUser, name: str, code: str, external_id: str = "") -> Client:
    """Add a client. Raises NotAllowed, or BadInput for an empty name or a code in use."""
    _require_manager(user)
    name, code = (name or "").strip(), _clean_code(code)
    if not name:
        raise BadInput("A client needs a name.", code="required")
    try:
        with transaction.atomic():
            return Client.objects.create(name=name, code=code, external_id=external_id.strip())
    except IntegrityError as exc:
        raise BadInput(f"The code {code} is in use already.", code="duplicate") from exc


def client_update(
    *, client: Client, user: AbstractBaseUser, name: str, code: str, external_id: str = ""
) -> Client:
    """Change a client's name, code or external id."""
    _require_manager(user)
    name, code = (name or "").strip(), _clean_code(code)
    if not name:
        raise BadInput("A client needs a name.", code="required")
    try:
        with transaction.atomic():
            fresh = Client.objects.select_for_update().get(pk=client.pk)
            fresh.name, fresh.code, fresh.external_id = name, code, external_id.strip()
            fresh.save()
    except IntegrityError as exc:
        raise BadInput(f"The code {code} is in use already.", code="duplicate") from exc
    return fresh


def client_set_active(*, client: Client, user: AbstractBaseUser, active: bool) -> Client:
    """Archive a client (no new runs for it; its runs stay) or bring it back."""
    _require_manager(user)
    with transaction.atomic():
        fresh = Client.objects.select_for_update().get(pk=client.pk)
        fresh.active = active
        fresh.save(update_fields=["active"])
    return fresh


def run_start(
    *,
    revision: Revision,
    client: Client,
    user: AbstractBaseUser,
    ticket: str = "",
    assignee: AbstractBaseUser | None = None,
    due_date: date | None = None,
    schedule: Schedule | None = None,
    period: str = "",
) -> Run:
    """Start a run of exactly this approved revision's task items for a client."""
    with transaction.atomic():
        fresh = Revision.objects.select_for_update().get(pk=revision.pk)
        if not policy.can_start_run(fresh, user):
            if not policy.can_use_runs(user):
                raise NotAllowed("Only readers of the manual may start runs.")
            if fresh.procedure.is_archived:
                raise RunError(f"“{fresh.procedure}” is archived: no new runs of it.",
                               code="archived")  # fmt: skip
            raise RunError("Runs start only from the approved text.", code="not_approved")
        if not Client.objects.filter(pk=client.pk, active=True).exists():
            raise RunError(f"{client} is archived: no new runs for it.", code="archived")
        specs = extract_steps(fresh.body)
        if not specs:
            raise RunError("This procedure has no task items (- [ ] step).", code="no_steps")
        run = Run.objects.create(
            procedure_id=fresh.procedure_id, revision=fresh, client=client,
            ticket=(ticket or "").strip(), assignee=assignee, due_date=due_date,
            started_by=user, schedule=schedule, period=period,
        )  # fmt: skip
        Step.objects.bulk_create(
            Step(run=run, position=i, group=s.group, depth=s.depth, html=s.html)
            for i, s in enumerate(specs, 1)
        )
        RunEvent.objects.create(run=run, kind=RunEvent.Kind.STARTED, user=user)
    return run


def _locked_step(step: Step, user: AbstractBaseUser, version: int) -> Step:
    """Re-read the step and its run under lock; refuse a closed run or a stale version."""
    run = Run.objects.select_for_update().get(pk=step.run_id)
    fresh = Step.objects.select_for_update().get(pk=step.pk, run=run)
    if not policy.can_use_runs(user):
        raise NotAllowed("Only readers of the manual may work runs.")
    if not policy.can_work(run, user):
        raise RunError(f"This run is {run.get_status_display().lower()}: nothing can change.")
    if fresh.version != version:
        who = fresh.changed_by.get_username() if fresh.changed_by else "someone"
        raise StaleStep(
            f"Step {fresh.position} was changed by {who} meanwhile; nothing was applied. "
            "It is shown as it is now.",
            step=fresh,
        )
    return fresh


def _save_step(step: Step, user: AbstractBaseUser, kind: str, detail: str = "") -> Step:
    step.version += 1
    step.changed_by, step.changed_at = user, timezone.now()
    step.save()
    RunEvent.objects.create(run_id=step.run_id, step=step, kind=kind, user=user, detail=detail)
    return step


def _text(value: str, limit: int, what: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise BadInput(f"Give a {what}.", code="required")
    if len(value) > limit:
        raise BadInput(f"The {what} is {len(value)} characters; at most {limit}.", code="long")
    return value


@transaction.atomic
def step_tick(*, step: Step, user: AbstractBaseUser, version: int) -> Step:
    """Mark a step done."""
    fresh = _locked_step(step, user, version)
    fresh.state, fresh.na_reason = Step.State.DONE, ""
    return _save_step(fresh, user, RunEvent.Kind.TICKED)


@transaction.atomic
def step_untick(*, step: Step, user: AbstractBaseUser, version: int) -> Step:
    """Put a done or not-applicable step back to do."""
    fresh = _locked_step(step, user, version)
    fresh.state, fresh.na_reason = Step.State.TODO, ""
    return _save_step(fresh, user, RunEvent.Kind.UNTICKED)


@transaction.atomic
def step_skip(*, step: Step, user: AbstractBaseUser, version: int, reason: str) -> Step:
    """Mark a step not applicable, with the reason why."""
    reason = _text(reason, MAX_REASON, "reason", required=True)
    fresh = _locked_step(step, user, version)
    fresh.state, fresh.na_reason = Step.State.NOT_APPLICABLE, reason
    return _save_step(fresh, user, RunEvent.Kind.NOT_APPLICABLE, reason)


@transaction.atomic
def step_annotate(*, step: Step, user: AbstractBaseUser, version: int, note: str) -> Step:
    """Set (or clear) a step's note."""
    note = _text(note, MAX_NOTE, "note", required=False)
    fresh = _locked_step(step, user, version)
    fresh.note = note
    return _save_step(fresh, user, RunEvent.Kind.NOTED, note)


def _locked_run(run: Run) -> Run:
    return Run.objects.select_for_update().get(pk=run.pk)


@transaction.atomic
def run_complete(*, run: Run, user: AbstractBaseUser) -> Run:
    """Complete a run whose every step is done or not applicable; it is frozen after."""
    fresh = _locked_run(run)
    if not policy.can_use_runs(user):
        raise NotAllowed("Only readers of the manual may complete runs.")
    if not policy.can_work(fresh, user):
        raise RunError(f"This run is {fresh.get_status_display().lower()} already.")
    left = fresh.steps.filter(state=Step.State.TODO).count()
    if left:
        raise RunError(f"{left} step(s) are still to do: tick them or mark them N/A.", code="left")
    fresh.status, fresh.finished_by, fresh.finished_at = Run.Status.COMPLETED, user, timezone.now()
    fresh.save()
    RunEvent.objects.create(run=fresh, kind=RunEvent.Kind.COMPLETED, user=user)
    return fresh


@transaction.atomic
def run_abandon(*, run: Run, user: AbstractBaseUser, reason: str) -> Run:
    """Abandon an open run, with the reason why."""
    reason = _text(reason, MAX_REASON, "reason", required=True)
    fresh = _locked_run(run)
    if not policy.can_use_runs(user):
        raise NotAllowed("Only readers of the manual may abandon runs.")
    if not policy.can_work(fresh, user):
        raise RunError(f"This run is {fresh.get_status_display().lower()} already.")
    fresh.status, fresh.finished_by, fresh.finished_at = Run.Status.ABANDONED, user, timezone.now()
    fresh.abandon_reason = reason
    fresh.save()
    RunEvent.objects.create(run=fresh, kind=RunEvent.Kind.ABANDONED, user=user, detail=reason)
    return fresh


@transaction.atomic
def run_reopen(*, run: Run, user: AbstractBaseUser, reason: str) -> Run:
    """Reopen a completed or abandoned run (approvers), with the reason why."""
    reason = _text(reason, MAX_REASON, "reason", required=True)
    fresh = _locked_run(run)
    if not policy.can_reopen(fresh, user):
        if fresh.status == Run.Status.OPEN:
            raise RunError("This run is open already.")
        raise NotAllowed("Only approvers may reopen a run.")
    fresh.status, fresh.finished_by, fresh.finished_at = Run.Status.OPEN, None, None
    fresh.abandon_reason = ""
    fresh.save()
    RunEvent.objects.create(run=fresh, kind=RunEvent.Kind.REOPENED, user=user, detail=reason)
    return fresh


def schedule_start_due_run(*, schedule: Schedule, today: date) -> Run | None:
    """Start the schedule's run for today's period if its day has come and none exists yet.

    Started in the name of whoever made the schedule. Idempotent: the database allows one
    run per schedule and period, so running this twice (or twice at once) starts one."""
    due = due_period(
        frequency=schedule.frequency, weekday=schedule.weekday,
        week_of_month=schedule.week_of_month, today=today, starts_on=schedule.starts_on,
    )  # fmt: skip
    if due is None or schedule.state != "running":
        return None
    period, day = due
    if Run.objects.filter(schedule=schedule, period=period).exists():
        return None
    revision = schedule.procedure.current_revision
    if revision is None:
        raise RunError(f"{schedule.procedure} has no approved text.", code="not_approved")
    try:
        with transaction.atomic():
            return run_start(
                revision=revision, client=schedule.client, user=schedule.created_by,
                assignee=schedule.assignee, due_date=day, schedule=schedule, period=period,
            )  # fmt: skip
    except IntegrityError:
        return None  # started meanwhile by another process


# Schedules: approvers make and change them; every change is a ScheduleEvent.


def _require_schedule_manager(user: AbstractBaseUser) -> None:
    if not policy.can_manage_schedules(user):
        raise NotAllowed("Only approvers manage schedules; readers see them.")


def _check_plan(
    *, client: Client, procedure: Procedure, frequency: str, weekday: int, week_of_month: int
) -> None:
    """Refuse (BadInput) a recurrence that can never occur, an archived client, or a
    procedure whose runs could not start (no approved text, no task items)."""
    problem = recurrence_problem(frequency=frequency, weekday=weekday, week_of_month=week_of_month)
    if problem:
        raise BadInput(problem, code="never")
    if not Client.objects.filter(pk=client.pk, active=True).exists():
        raise BadInput(f"{client} is archived: no schedules for it.", code="archived")
    revision = (
        Revision.objects.filter(pk=procedure.current_revision_id, status=Revision.Status.APPROVED)
        .only("body")
        .first()
    )
    if revision is None:
        raise BadInput(
            f"“{procedure.title}” has no approved revision yet: runs start only from approved "
            "text.",
            code="not_approved",
        )
    if not extract_steps(revision.body):
        raise BadInput(
            f"“{procedure.title}” has no task items (- [ ] step): there is nothing to run.",
            code="no_steps",
        )


def _summary(schedule: Schedule) -> str:
    recurrence = describe(
        frequency=schedule.frequency, weekday=schedule.weekday,
        week_of_month=schedule.week_of_month,
    )  # fmt: skip
    assignee = schedule.assignee.get_username() if schedule.assignee else "nobody"
    start = f", from {schedule.starts_on:%Y-%m-%d}" if schedule.starts_on else ""
    return f"{schedule.procedure.title} · {recurrence} · assigned to {assignee}{start}"


def _record(schedule: Schedule, kind: str, user: AbstractBaseUser, detail: str = "") -> None:
    ScheduleEvent.objects.create(schedule=schedule, kind=kind, user=user, detail=detail)


def schedule_create(
    *,
    user: AbstractBaseUser,
    client: Client,
    procedure: Procedure,
    frequency: str,
    weekday: int,
    week_of_month: int = 1,
    assignee: AbstractBaseUser | None = None,
    starts_on: date | None = None,
) -> Schedule:
    """Make a schedule: a run of the procedure for the client every week or month."""
    _require_schedule_manager(user)
    week_of_month = week_of_month if frequency == "monthly" else 1
    with transaction.atomic():
        Client.objects.select_for_update().filter(pk=client.pk).first()  # archive waits
        _check_plan(
            client=client, procedure=procedure, frequency=frequency, weekday=weekday,
            week_of_month=week_of_month,
        )  # fmt: skip
        schedule = Schedule.objects.create(
            client=client, procedure=procedure, frequency=frequency, weekday=weekday,
            week_of_month=week_of_month, assignee=assignee, starts_on=starts_on,
            created_by=user,
        )  # fmt: skip
        _record(schedule, ScheduleEvent.Kind.CREATED, user, _summary(schedule))
    return schedule


def _locked_schedule(schedule: Schedule, user: AbstractBaseUser) -> Schedule:
    """Re-read the schedule under lock; refuse a non-approver, or an ended schedule (409)."""
    fresh = Schedule.objects.select_for_update().get(pk=schedule.pk)
    _require_schedule_manager(user)
    if fresh.state == "ended":
        raise RunError("This schedule has ended: it cannot change any more.", code="ended")
    return fresh


@transaction.atomic
def schedule_update(
    *,
    schedule: Schedule,
    user: AbstractBaseUser,
    procedure: Procedure,
    frequency: str,
    weekday: int,
    week_of_month: int = 1,
    assignee: AbstractBaseUser | None = None,
    starts_on: date | None = None,
) -> Schedule:
    """Change a schedule's procedure, recurrence, assignee or start (its client stays)."""
    fresh = _locked_schedule(schedule, user)
    week_of_month = week_of_month if frequency == "monthly" else 1
    _check_plan(
        client=fresh.client, procedure=procedure, frequency=frequency, weekday=weekday,
        week_of_month=week_of_month,
    )  # fmt: skip
    before = _summary(fresh)
    fresh.procedure, fresh.frequency, fresh.weekday = procedure, frequency, weekday
    fresh.week_of_month, fresh.assignee, fresh.starts_on = week_of_month, assignee, starts_on
    fresh.save()
    after = _summary(fresh)
    if after != before:
        _record(fresh, ScheduleEvent.Kind.CHANGED, user, f"{before} → {after}")
    return fresh


@transaction.atomic
def schedule_pause(*, schedule: Schedule, user: AbstractBaseUser) -> Schedule:
    """Pause a schedule: no runs start until it is resumed."""
    fresh = _locked_schedule(schedule, user)
    if not fresh.active:
        raise RunError("This schedule is paused already.", code="paused")
    fresh.active = False
    fresh.save(update_fields=["active"])
    _record(fresh, ScheduleEvent.Kind.PAUSED, user)
    return fresh


@transaction.atomic
def schedule_resume(*, schedule: Schedule, user: AbstractBaseUser) -> Schedule:
    """Resume a paused schedule (a period whose day passed meanwhile starts at the next pass)."""
    fresh = _locked_schedule(schedule, user)
    if fresh.active:
        raise RunError("This schedule is running already.", code="running")
    fresh.active = True
    fresh.save(update_fields=["active"])
    _record(fresh, ScheduleEvent.Kind.RESUMED, user)
    return fresh


@transaction.atomic
def schedule_end(*, schedule: Schedule, user: AbstractBaseUser, reason: str = "") -> Schedule:
    """End a schedule for good: no more runs; its runs and history stay."""
    reason = _text(reason, MAX_REASON, "reason", required=False)
    fresh = _locked_schedule(schedule, user)
    fresh.active, fresh.ended_by, fresh.ended_at = False, user, timezone.now()
    fresh.save(update_fields=["active", "ended_by", "ended_at"])
    _record(fresh, ScheduleEvent.Kind.ENDED, user, reason)
    return fresh
