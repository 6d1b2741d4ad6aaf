"""Start the runs the schedules say are due (run it daily from cron; safe to run more often).

Paused and ended schedules start nothing. One run per schedule and period, whatever the
number of calls: the database's unique constraint on (schedule, period) decides. A schedule
whose run cannot start (no approved text, no task items, an archived client) is reported and
the others go on.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import BaseCommand, CommandError
from django.utils import timezone

from checklists.models import Schedule
from checklists.schedules import due_period
from checklists.transitions import schedule_start_due_run


class Command(BaseCommand):
    help = "Start the scheduled checklist runs that are due (idempotent per period)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Act as if today were this day (YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true", help="Say what is due only.")

    def handle(self, *args, date=None, dry_run=False, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from exc
        started = failed = 0
        schedules = Schedule.objects.running().select_related(
            "client", "procedure__current_revision", "created_by", "assignee"
        )
        for schedule in schedules:
            if dry_run:
                due = due_period(
                    frequency=schedule.frequency, weekday=schedule.weekday,
                    week_of_month=schedule.week_of_month, today=today,
                    starts_on=schedule.starts_on,
                )  # fmt: skip
                if due and not schedule.runs.filter(period=due[0]).exists():
                    self.stdout.write(f"Would start {schedule} for {due[0]}")
                continue
            try:
                run = schedule_start_due_run(schedule=schedule, today=today)
            except (PermissionDenied, ValidationError) as exc:
                failed += 1
                self.stderr.write(
                    f"Schedule {schedule.pk}: {' '.join(getattr(exc, 'messages', [str(exc)]))}"
                )
                continue
            if run is not None:
                started += 1
                if options["verbosity"] >= 2:
                    self.stdout.write(f"Started run {run.pk} ({schedule}, {run.period})")
        if not dry_run and options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(f"Started {started} run(s); {failed} failed."))
