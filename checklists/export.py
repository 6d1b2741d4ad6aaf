"""Runs as CSV: one line per run, streamed; no cell a spreadsheet would run as a formula."""

from __future__ import annotations

from collections.abc import Iterator

from procedures.text import spreadsheet

HEADER = [
    "id", "procedure", "revision", "client", "code", "ticket", "status", "assignee", "due",
    "started_by", "started_at", "finished_by", "finished_at", "reason",
]  # fmt: skip


def _name(user) -> str:
    return user.get_username() if user else ""


def rows(runs) -> Iterator[list]:
    """Yield the header, then each run's cells."""
    yield HEADER
    for run in runs.select_related("finished_by").iterator(chunk_size=500):
        yield [
            run.pk, run.procedure.title, run.revision.number, run.client.name, run.client.code,
            run.ticket, run.status, _name(run.assignee), run.due_date or "",
            _name(run.started_by), run.started_at.isoformat(), _name(run.finished_by),
            run.finished_at.isoformat() if run.finished_at else "", run.abandon_reason,
        ]  # fmt: skip


def csv_lines(runs) -> Iterator[str]:
    """Yield the runs as CSV lines, for a StreamingHttpResponse."""
    return spreadsheet.csv_lines(rows(runs))
