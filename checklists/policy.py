"""Who may do what with clients and runs: decided only by asking procedures.workflow.

Every reader may start runs and work open ones; approvers manage clients and reopen runs.
Schedules are the clients' business: every reader sees them, the approvers manage them.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from procedures import workflow
from procedures.models import Revision

from .models import Run, Schedule


def can_use_runs(user: AbstractBaseUser) -> bool:
    """Return whether the user may see, start and work runs (every reader)."""
    return workflow.can_read(user)


def can_manage_clients(user: AbstractBaseUser) -> bool:
    """Return whether the user may add, edit and archive clients (approvers)."""
    return workflow.can_review(user)


def can_start_run(revision: Revision, user: AbstractBaseUser) -> bool:
    """Return whether a run may be started on this revision: approved, current, of a
    procedure in use (not archived), and a reader."""
    return (
        can_use_runs(user)
        and revision.status == Revision.Status.APPROVED
        and workflow.can_see(revision, user)
        and not revision.procedure.is_archived
    )


def can_work(run: Run, user: AbstractBaseUser) -> bool:
    """Return whether the user may tick, skip and annotate the run's steps (while open)."""
    return can_use_runs(user) and run.status == Run.Status.OPEN


def can_reopen(run: Run, user: AbstractBaseUser) -> bool:
    """Return whether the user may reopen a finished run (approvers)."""
    return workflow.can_review(user) and run.status != Run.Status.OPEN


def run_actions(run: Run, user: AbstractBaseUser) -> set[str]:
    """Return what the run page may offer the user: work, complete, abandon, reopen."""
    actions = set()
    if can_work(run, user):
        actions |= {"work", "complete", "abandon"}
    if can_reopen(run, user):
        actions.add("reopen")
    return actions


def can_see_schedules(user: AbstractBaseUser) -> bool:
    """Return whether the user may see clients' schedules (every reader, read only)."""
    return can_use_runs(user)


def can_manage_schedules(user: AbstractBaseUser) -> bool:
    """Return whether the user may add, change, pause, resume and end schedules: whoever
    manages clients (approvers)."""
    return can_manage_clients(user)


def schedule_actions(schedule: Schedule, user: AbstractBaseUser) -> set[str]:
    """Return what the schedule page may offer the user: edit, pause, resume, end."""
    if not can_manage_schedules(user) or schedule.state == "ended":
        return set()
    return {"edit", "end", "pause" if schedule.state == "running" else "resume"}
