"""The compliance report as CSV for auditors: one line per person and procedure, streamed,
timestamps in ISO 8601 with their offset, no cell a spreadsheet would run as a formula."""

from __future__ import annotations

from collections.abc import Iterator

from procedures.text import spreadsheet

from .report import Report

HEADER = [
    "procedure_path", "procedure_title", "revision", "person_name", "username", "email",
    "groups", "required_since", "due", "acknowledged_at", "carried_from_revision", "status",
    "report_as_of",
]  # fmt: skip


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""


def rows(report: Report) -> Iterator[list]:
    """Yield the header, then each row's cells."""
    yield HEADER
    as_of = _iso(report.at)
    for row in report.rows:
        procedure, person = row.procedure, row.person
        yield [
            f"{procedure.section.volume.number}/{procedure.section.numeral}/{procedure.slug}",
            procedure.title, row.revision.number, person.get_full_name(),
            person.get_username(), person.email, "; ".join(row.groups),
            _iso(row.required_since), _iso(row.due), _iso(row.acknowledged_at),
            row.carried_from or "", row.status, as_of,
        ]  # fmt: skip


def csv_lines(report: Report) -> Iterator[str]:
    """Yield the report as CSV lines, for a StreamingHttpResponse."""
    return spreadsheet.csv_lines(rows(report))
