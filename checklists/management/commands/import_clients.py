"""Import clients from a CSV file of `name,code` lines (a header line is optional).

A code already known updates that client's name; a new code adds a client. Every line is
checked first: if any is wrong, each wrong line is reported with its number and nothing is
written. With --dry-run, says what would be done and writes nothing.
"""

import csv
from pathlib import Path

from django.core.management import BaseCommand, CommandError
from django.db import transaction

from checklists.models import Client

NAME_MAX = Client._meta.get_field("name").max_length
CODE_MAX = Client._meta.get_field("code").max_length


def read_rows(path: Path) -> tuple[list[tuple[int, str, str]], list[str]]:
    """Return the file's (line, name, code) rows and its errors, one per wrong line."""
    rows, errors, seen = [], [], {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            lines = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CommandError(f"Cannot read {path}: {exc}") from exc
    for number, cells in enumerate(lines, 1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells[:2]] == ["name", "code"]:
            continue
        if len(cells) != 2:
            errors.append(f"line {number}: expected 2 columns (name, code), found {len(cells)}")
            continue
        name, code = cells[0], cells[1].upper()
        if not name:
            errors.append(f"line {number}: the name is empty")
        elif len(name) > NAME_MAX:
            errors.append(f"line {number}: the name is over {NAME_MAX} characters")
        elif not code:
            errors.append(f"line {number}: the code is empty")
        elif len(code) > CODE_MAX:
            errors.append(f"line {number}: the code {code[:30]!r} is over {CODE_MAX} characters")
        elif code in seen:
            errors.append(f"line {number}: the code {code} is on line {seen[code]} already")
        else:
            seen[code] = number
            rows.append((number, name, code))
    return rows, errors


class Command(BaseCommand):
    help = "Import clients from a CSV file of name,code lines (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("csv_file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and report only.")

    def handle(self, *args, csv_file, dry_run, **options):
        rows, errors = read_rows(csv_file)
        if errors:
            raise CommandError("Nothing imported:\n" + "\n".join(errors))
        existing = {c.code: c for c in Client.objects.filter(code__in=[r[2] for r in rows])}
        added = [r for r in rows if r[2] not in existing]
        renamed = [r for r in rows if r[2] in existing and existing[r[2]].name != r[1]]
        if not dry_run:
            with transaction.atomic():
                Client.objects.bulk_create(Client(name=name, code=code) for _, name, code in added)
                for _, name, code in renamed:
                    Client.objects.filter(code=code).update(name=name)
        if options["verbosity"] >= 2:
            for number, name, code in added:
                self.stdout.write(f"line {number}: add {code} {name}")
            for number, name, code in renamed:
                self.stdout.write(f"line {number}: rename {code} to {name}")
        add, rename = ("Would add", "would rename") if dry_run else ("Added", "renamed")
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{add} {len(added)} client(s), {rename} {len(renamed)}, "
                    f"{len(rows) - len(added) - len(renamed)} unchanged."
                )
            )
