"""manage.py restore: a backup made by manage.py backup, into an empty installation."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from transfer.backup import BackupError, installation_is_empty, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by manage.py backup (database and stored files) into this "
        "installation. Refuses one that has people, volumes, procedures or files unless "
        "--force, which replaces them. --dry-run only checks that it would go ahead."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .tar.gz made by manage.py backup.")
        parser.add_argument("--force", action="store_true", help="Replace a non-empty one.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; change nothing.")

    def handle(self, *args, file, force, dry_run, verbosity, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if dry_run:
            empty = installation_is_empty()
            if not empty and not force:
                raise CommandError("This installation is not empty; restore would refuse.")
            self.stdout.write("Restore would go ahead (--dry-run: nothing was changed).")
            return
        say = self.stderr.write if verbosity >= 1 else (lambda _: None)
        try:
            manifest = restore(path, force=force, say=say)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            self.stdout.write(
                f"Restored the {manifest['engine']} database of {manifest['created_at']} and "
                f"{manifest['files']} file(s). Run manage.py migrate if this code is newer."
            )
