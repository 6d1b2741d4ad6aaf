"""manage.py import_manual: a ZIP or folder of Markdown / Word files as new revisions."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from procedures import workflow
from transfer.errors import ImportRefused
from transfer.importing import import_archive


class Command(BaseCommand):
    help = (
        "Import a ZIP or folder laid out 01-volume/02-section/03-procedure.md (or .docx): "
        "missing volumes, sections and procedures are added and each file's text becomes a new "
        "draft by --user. With --approve (a first migration) each is submitted by --user and "
        "approved by --approver (default: --user, allowed only with SOP_ALLOW_SELF_APPROVAL). "
        "If any file cannot be imported, it is named with the reason and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A .zip file or a folder.")
        parser.add_argument("--user", required=True, help="Username the import is done as.")
        parser.add_argument("--approve", action="store_true", help="Approve what is imported.")
        parser.add_argument("--approver", help="Username who approves (with --approve).")
        parser.add_argument("--dry-run", action="store_true", help="Check, report, keep nothing.")

    def _user(self, username: str):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user

    def handle(self, *args, path, user, approve, approver, dry_run, verbosity, **options):
        if approver and not approve:
            raise CommandError("--approver goes with --approve.")
        acting = self._user(user)
        approving = self._user(approver) if approver else None
        try:
            report = import_archive(source=path, user=acting, dry_run=dry_run, approve=approve,
                                    approver=approving)  # fmt: skip
        except FileNotFoundError as exc:
            raise CommandError(f"No such file or folder: {path}") from exc
        except ImportRefused as exc:
            for name, reason in exc.problems:
                self.stderr.write(f"{name}: {reason}")
            raise CommandError(f"Nothing was imported: {len(exc.problems)} problem(s).") from exc
        except workflow.NotAllowed as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 2:
            for outcome in report.outcomes:
                self.stderr.write(f"{outcome.name}: {outcome.place}: {outcome.action}")
        if verbosity >= 1:
            verb = "Would import" if dry_run else "Imported"
            self.stdout.write(
                f"{verb} {len(report.outcomes)} file(s): {report.revisions} revision(s), "
                f"{report.procedures_added} procedure(s), {report.sections_added} section(s), "
                f"{report.volumes_added} volume(s) added."
                + (" Nothing was kept (--dry-run)." if dry_run else "")
            )
