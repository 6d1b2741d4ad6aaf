"""Mail every owner one digest of their procedures overdue or due for review within 30 days.

Meant to run daily from cron or a systemd timer (README). Each owner gets at most one digest
a day however often it runs: what was sent is recorded per owner per day. Owners who are
inactive or have no e-mail address are skipped. A mail that fails is reported, not recorded,
and tried again by the next run.
"""

from django.core.management import BaseCommand, CommandError
from django.utils import timezone

from compliance import reminders, selectors


class Command(BaseCommand):
    help = "Send each owner one digest of their overdue and soon-due procedures (once a day)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the digests instead of sending them."
        )

    def handle(self, *args, dry_run, **options):
        verbosity = options["verbosity"]
        today = timezone.localdate()
        sent = skipped = failed = 0
        for owner, rows in selectors.digests(today=today).items():
            if reminders.already_sent(owner, today):
                skipped += 1
                if verbosity >= 2:
                    self.stdout.write(f"Already sent today: {owner.get_username()}")
                continue
            if dry_run:
                subject, text = reminders.digest(owner, rows)
                self.stdout.write(f"Would send to {owner.email}: {subject}\n\n{text}")
                sent += 1
                continue
            try:
                if reminders.send_digest(owner, rows, day=today):
                    sent += 1
                    if verbosity >= 2:
                        self.stdout.write(f"Sent to {owner.email}: {len(rows)} procedure(s)")
                else:
                    skipped += 1
            except Exception as exc:  # the mail server: report, record nothing, go on
                failed += 1
                self.stderr.write(f"Could not send to {owner.email}: {exc}")
        if verbosity >= 1:
            verb = "Would send" if dry_run else "Sent"
            self.stdout.write(f"{verb} {sent} digest(s); {skipped} already sent today.")
        if failed:
            raise CommandError(f"{failed} digest(s) could not be sent; the next run retries.")
