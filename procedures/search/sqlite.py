"""SQLite full-text search: the FTS5 table `procedures_search_fts` (porter stemming), `bm25`
with the title weighted 10 to 1, `snippet()`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connection as default_connection

from .query import ELLIPSIS, START, STOP, Query, Row


class SqliteBackend:
    def create_storage(self, schema_editor, entry_model) -> None:
        schema_editor.execute(
            "CREATE VIRTUAL TABLE procedures_search_fts USING fts5("
            "title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self.install_triggers(schema_editor.connection)

    def drop_storage(self, schema_editor, entry_model) -> None:
        schema_editor.execute("DROP TRIGGER IF EXISTS procedures_search_fts_insert")
        schema_editor.execute("DROP TRIGGER IF EXISTS procedures_search_fts_rename")
        schema_editor.execute("DROP TRIGGER IF EXISTS procedures_search_fts_delete")
        schema_editor.execute("DROP TABLE IF EXISTS procedures_search_fts")

    def install_triggers(self, connection) -> None:
        # IF NOT EXISTS: rebuild_search_index runs this too, because SQLite drops a table's
        # triggers when a later migration rebuilds procedures_procedure.
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TRIGGER IF NOT EXISTS procedures_search_fts_insert "
                "AFTER INSERT ON procedures_procedure BEGIN "
                "DELETE FROM procedures_search_fts WHERE rowid = new.id; "
                "INSERT INTO procedures_search_fts (rowid, title, body) "
                "VALUES (new.id, new.title, ''); END"
            )
            cursor.execute(
                "CREATE TRIGGER IF NOT EXISTS procedures_search_fts_rename "
                "AFTER UPDATE OF title ON procedures_procedure "
                "WHEN old.title IS NOT new.title BEGIN "
                "UPDATE procedures_search_fts SET title = new.title WHERE rowid = new.id; END"
            )
            cursor.execute(
                "CREATE TRIGGER IF NOT EXISTS procedures_search_fts_delete "
                "AFTER DELETE ON procedures_procedure BEGIN "
                "DELETE FROM procedures_search_fts WHERE rowid = old.id; END"
            )

    def clear(self) -> None:
        with default_connection.cursor() as cursor:
            cursor.execute("DELETE FROM procedures_search_fts")

    def remove(self, ids: Sequence[int]) -> None:
        with default_connection.cursor() as cursor:
            cursor.executemany(
                "DELETE FROM procedures_search_fts WHERE rowid = %s", [(pk,) for pk in ids]
            )

    def write(self, rows: Sequence[tuple[int, str, str]]) -> None:
        if not rows:
            return
        with default_connection.cursor() as cursor:
            cursor.executemany(
                "DELETE FROM procedures_search_fts WHERE rowid = %s", [(row[0],) for row in rows]
            )
            cursor.executemany(
                "INSERT INTO procedures_search_fts (rowid, title, body) VALUES (%s, %s, %s)",
                rows,
            )

    def top(self, query: Query, *, offset: int, limit: int) -> tuple[list[Row], int]:
        # Scoring is what costs: bm25 for every match of a word found in nine procedures in
        # ten is most of a query's time, so every match is scored once, in one query. Title
        # matches come first and are few: they are read whole (scored alone, from an FTS5
        # expression: `rowid IN` would make FTS5 answer row by row), and taken out of the
        # scored matches in Python rather than by a NOT in the expression, which costs FTS5
        # a second look at every match. Without exclusions a title match is a match.
        match, in_title = query.fts5(), query.fts5("title")
        excludes = any(clause.exclude for clause in query.clauses)
        titled = self._titled(f"({match}) AND ({in_title})" if excludes else in_title)
        rows = [Row(pk, True, score) for pk, score in titled[offset : offset + limit]]
        if len(rows) < limit:
            more, skip = limit - len(rows), max(0, offset - len(titled))
            in_titles = {pk for pk, _ in titled}
            body = [
                (pk, score)
                for pk, score in self._best(match, skip + more + len(titled), 0)
                if pk not in in_titles
            ]
            rows += [Row(pk, False, score) for pk, score in body[skip : skip + more]]
        return rows, self._count(match)

    @staticmethod
    def _count(expression: str) -> int:
        with default_connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM procedures_search_fts WHERE procedures_search_fts MATCH %s",
                [expression],
            )
            return cursor.fetchone()[0]

    @staticmethod
    def _titled(expression: str) -> list[tuple[int, float]]:
        """Return (procedure id, score) of every title match, written procedures first.

        A not-yet-written stub is short, and bm25 favours short rows: by score alone five
        stubs named "Server ..." came before the one written procedure about servers.
        Written means an approved revision, read from the procedure's row: FTS5 would read
        the whole ~20 kB body to say whether it is empty (3% of the search benchmark)."""
        with default_connection.cursor() as cursor:
            cursor.execute(
                "SELECT fts.rowid, bm25(procedures_search_fts, 10.0, 1.0) AS score, "
                "procedure.current_revision_id IS NOT NULL AS written "
                "FROM procedures_search_fts AS fts "
                "JOIN procedures_procedure AS procedure ON procedure.id = fts.rowid "
                "WHERE procedures_search_fts MATCH %s "
                "ORDER BY written DESC, score, fts.rowid",
                [expression],
            )
            return [(pk, -score) for pk, score, _ in cursor.fetchall()]

    @staticmethod
    def _best(expression: str, limit: int, offset: int) -> list[tuple[int, float]]:
        """Return (procedure id, score) of the best matches of an FTS5 expression.

        bm25 weighs a title hit ten body hits; it is called by name because FTS5's `rank`
        column sorts every match itself, a third slower."""
        with default_connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, bm25(procedures_search_fts, 10.0, 1.0) AS score "
                "FROM procedures_search_fts WHERE procedures_search_fts MATCH %s "
                "ORDER BY score, rowid LIMIT %s OFFSET %s",
                [expression, limit, offset],
            )
            # bm25 is lower-is-better; report it as higher-is-better, like ts_rank.
            return [(pk, -score) for pk, score in cursor.fetchall()]

    def snippets(self, query: Query, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        with default_connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, highlight(procedures_search_fts, 0, %s, %s), "
                "snippet(procedures_search_fts, 1, %s, %s, %s, 24) "
                "FROM procedures_search_fts WHERE procedures_search_fts MATCH %s "
                "AND rowid IN (SELECT value FROM json_each(%s))",
                [START, STOP, START, STOP, ELLIPSIS, query.fts5(), json.dumps(list(ids))],
            )
            return {pk: (title, snippet) for pk, title, snippet in cursor.fetchall()}
