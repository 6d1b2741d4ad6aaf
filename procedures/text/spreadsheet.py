"""CSV for spreadsheets: lines streamed one by one, no cell a spreadsheet would run as a formula.

Every CSV download (checklist runs, the compliance report) writes through `csv_lines`, so a
title or a name starting with "=" reaches an auditor's spreadsheet as text, not as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator


class _Echo:
    """A file that hands back what is written to it: csv.writer then returns each line."""

    def write(self, value):
        return value


def safe_cell(value) -> str:
    """Return a CSV cell a spreadsheet will not read as a formula (= + - @, tab, CR)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Yield each row (the header first) as one CSV line of neutralised cells."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])
