"""manage.py backup: the database and the stored files in one .tar.gz."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from transfer.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite: its online backup API; PostgreSQL: pg_dump) and every "
        "stored file (attachments) into one .tar.gz. Safe while the site runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="The .tar.gz file to write.")

    def handle(self, *args, output, verbosity, **options):
        say = self.stderr.write if verbosity >= 1 else (lambda _: None)
        try:
            manifest = backup(Path(output), say=say)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            self.stdout.write(
                f"Backed up the {manifest['engine']} database and {manifest['files']} file(s) "
                f"to {output}."
            )
