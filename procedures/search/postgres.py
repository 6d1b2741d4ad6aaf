"""PostgreSQL full-text search: `procedures_searchentry` with a stored, GIN-indexed tsvector
(title weighted A, body B); `websearch_to_tsquery`, `ts_rank`, `ts_headline`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection as default_connection

from .query import ELLIPSIS, START, STOP, Query, Row, query_stems, snippet_window


class PostgresBackend:
    config = "english"

    def create_storage(self, schema_editor, entry_model) -> None:
        schema_editor.create_model(entry_model)
        # Ranking reads every matching row's vector. Kept in the row (not TOASTed out of
        # line, which costs an index lookup per row) and the body text out of the way, a
        # word found in 9 of 10 procedures ranks 10,000 of them several times faster.
        schema_editor.execute(
            "ALTER TABLE procedures_searchentry "
            "ALTER COLUMN vector SET STORAGE MAIN, ALTER COLUMN body SET STORAGE EXTERNAL"
        )
        schema_editor.execute("ALTER TABLE procedures_searchentry SET (toast_tuple_target = 8160)")
        self.install_triggers(schema_editor.connection)

    def drop_storage(self, schema_editor, entry_model) -> None:
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS procedures_search_sync ON procedures_procedure"
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS procedures_search_sync()")
        schema_editor.delete_model(entry_model)

    def install_triggers(self, connection) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                CREATE OR REPLACE FUNCTION procedures_search_sync() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP = 'INSERT' THEN
                    INSERT INTO procedures_searchentry (procedure_id, title, body)
                    VALUES (NEW.id, NEW.title, '')
                    ON CONFLICT (procedure_id) DO UPDATE SET title = EXCLUDED.title;
                  ELSIF TG_OP = 'UPDATE' THEN
                    UPDATE procedures_searchentry SET title = NEW.title WHERE procedure_id = NEW.id;
                  ELSE
                    DELETE FROM procedures_searchentry WHERE procedure_id = OLD.id;
                  END IF;
                  RETURN NULL;
                END $$
                """
            )
            cursor.execute("DROP TRIGGER IF EXISTS procedures_search_sync ON procedures_procedure")
            cursor.execute(
                """
                CREATE TRIGGER procedures_search_sync
                AFTER INSERT OR DELETE OR UPDATE OF title ON procedures_procedure
                FOR EACH ROW EXECUTE FUNCTION procedures_search_sync()
                """
            )

    def clear(self) -> None:
        with default_connection.cursor() as cursor:
            cursor.execute("DELETE FROM procedures_searchentry")

    def remove(self, ids: Sequence[int]) -> None:
        with default_connection.cursor() as cursor:
            cursor.executemany(
                "DELETE FROM procedures_searchentry WHERE procedure_id = %s", [(pk,) for pk in ids]
            )

    def write(self, rows: Sequence[tuple[int, str, str]]) -> None:
        if not rows:
            return
        with default_connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO procedures_searchentry (procedure_id, title, body) "
                "VALUES (%s, %s, %s) ON CONFLICT (procedure_id) DO UPDATE "
                "SET title = EXCLUDED.title, body = EXCLUDED.body",
                rows,
            )

    def _tsquery(self, query: Query):
        from django.contrib.postgres.search import SearchQuery

        function, text = query.tsquery()
        search_type = "websearch" if function == "websearch_to_tsquery" else "raw"
        return SearchQuery(text, search_type=search_type, config=self.config)

    def top(self, query: Query, *, offset: int, limit: int) -> tuple[list[Row], int]:
        from django.contrib.postgres.search import SearchRank
        from django.db.models import BooleanField, ExpressionWrapper, F, Func, IntegerField, Q
        from django.db.models.lookups import GreaterThan

        from ..models import SearchEntry

        tsquery = self._tsquery(query)
        matches = (
            SearchEntry.objects.filter(vector=tsquery)
            .annotate(
                title_matched=ExpressionWrapper(Q(title_vector=tsquery), BooleanField()),
                rank=SearchRank(F("vector"), tsquery),
                # A stub (no approved text) after a written procedure whose title matches too.
                # octet_length reads the out-of-line body's size without fetching it.
                written=ExpressionWrapper(
                    GreaterThan(
                        Func(F("body"), function="octet_length", output_field=IntegerField()), 0
                    ),
                    BooleanField(),
                ),
            )
            .values_list("procedure_id", "title_matched", "rank", "written")
        )
        sql, params = matches.query.sql_with_params()
        # The count comes from the same scan. MATERIALIZED keeps the planner from folding
        # the CTE in, which would carry every 4 kB vector into the window's tuple store
        # (and spill it to disk) before ranking: five times slower on common words.
        with default_connection.cursor() as cursor:
            cursor.execute(
                f"WITH matches AS MATERIALIZED ({sql}) "  # noqa: S608 (Django's SQL)
                "SELECT *, count(*) OVER () FROM matches "
                "ORDER BY 2 DESC, 4 DESC, 3 DESC, 1 LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
            rows = cursor.fetchall()
        total = rows[0][4] if rows else (matches.count() if offset else 0)
        return [Row(pk, matched, rank) for pk, matched, rank, _, _ in rows], total

    def snippets(self, query: Query, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        # ts_headline parses the whole text it is given, and the best-ranked procedures are
        # the longest: on a whole body it was a third of a common word's search time. It is
        # given the stretch around the first match instead (`snippet_window`).
        from ..models import SearchEntry

        entries = list(
            SearchEntry.objects.filter(pk__in=list(ids)).values_list(
                "procedure_id", "title", "body"
            )
        )
        if not entries:
            return {}
        stems = query_stems(query)
        function, text = query.tsquery()
        options = (
            f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=15, MaxFragments=2, "
            f'FragmentDelimiter=" {ELLIPSIS} "'
        )
        with default_connection.cursor() as cursor:
            cursor.execute(
                "SELECT entry.pk, ts_headline(%s::regconfig, entry.title, q, %s), "  # noqa: S608 (function: one of Query.tsquery's two names)
                "ts_headline(%s::regconfig, entry.body, q, %s) "
                "FROM unnest(%s::int[], %s::text[], %s::text[]) AS entry (pk, title, body), "
                f"{function}(%s::regconfig, %s) AS q",
                [
                    self.config,
                    f"StartSel={START}, StopSel={STOP}, HighlightAll=true",
                    self.config,
                    options,
                    [pk for pk, _, _ in entries],
                    [title for _, title, _ in entries],
                    [snippet_window(body, stems) for _, _, body in entries],
                    self.config,
                    text,
                ],
            )
            return {pk: (title, snippet) for pk, title, snippet in cursor.fetchall()}
