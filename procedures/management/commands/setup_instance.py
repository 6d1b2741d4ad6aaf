"""Prepare a new instance: load the manual's contents and create the first administrator.

Safe to run again: it loads the table of contents only into an empty manual and creates an
administrator only when no user exists, so a second run changes nothing.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, call_command
from django.db import transaction

from procedures.models import Volume

FIXTURE = settings.BASE_DIR / "fixtures" / "manual.json"


class Command(BaseCommand):
    help = "Load the table of contents into an empty manual and create a first administrator."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="First administrator's name.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done.")

    @transaction.atomic
    def handle(self, *args, username, dry_run, **options):
        verbosity = options["verbosity"]
        if Volume.objects.exists():
            if verbosity >= 2:
                self.stdout.write("The manual has contents already; nothing loaded.")
        elif dry_run:
            self.stdout.write(f"Would load the table of contents from {FIXTURE}.")
        else:
            call_command("loaddata", str(FIXTURE), verbosity=verbosity)

        User = get_user_model()
        if User.objects.exists():
            if verbosity >= 2:
                self.stdout.write("Users exist already; no administrator created.")
        elif dry_run:
            self.stdout.write(f"Would create the administrator {username!r}.")
        else:
            password = secrets.token_urlsafe(15)
            User.objects.create_superuser(username=username, email="", password=password)
            # Printed once, here; it is stored only as a hash.
            self.stdout.write(
                self.style.SUCCESS(
                    "\nFirst administrator created. "
                    "Note this password now; it is not shown again.\n"
                    f"    username: {username}\n    password: {password}\n"
                    "Change it after logging in (user menu > Change password).\n"
                )
            )
