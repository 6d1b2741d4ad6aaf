"""Rebuild the full-text search index and the wiki-link table from the approved text.

Run after an import, a restore, or anything else that wrote procedures or revisions without
going through the workflow. It re-creates every procedure's search entry (title, and the
approved text where there is one), re-resolves every [[wiki link]] in approved text (so links
to procedures added or renamed since become valid, and "Linked from" lists are complete),
and on SQLite re-installs the triggers that keep titles in step; readers' pages show the
result at once (`workflow.effects.manual_rewritten`). Safe to run at any time.
"""

from django.core.management import BaseCommand
from django.db import transaction

from procedures.models import Procedure
from procedures.workflow import effects


class Command(BaseCommand):
    help = "Rebuild the search index and re-resolve wiki links from the approved text."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done.")

    def handle(self, *args, dry_run, **options):
        verbosity = options["verbosity"]
        if dry_run:
            count = Procedure.objects.in_use().count()
            written = Procedure.objects.published().count()
            self.stdout.write(
                f"Would index {count} procedure{'s' if count != 1 else ''} "
                f"({written} with approved text) and re-resolve their wiki links."
            )
            return
        with transaction.atomic():
            linking, count = effects.manual_rewritten()
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Indexed {count} procedure{'s' if count != 1 else ''}; "
                    f"re-resolved the links of {linking}."
                )
            )
