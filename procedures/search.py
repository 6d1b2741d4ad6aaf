"""Full-text search over the manual's approved text: one interface, two implementations.

`search(text)` returns one ranked page of results, each with its procedure, an escaped and
highlighted snippet and whether the title matched, plus the total count. `index_procedure()`
brings one procedure's entry (and its outgoing wiki links) in step with its approved text; the
workflow calls it on approval, inside its transaction.

Both implementations read the same parsed query, so the syntax means the same everywhere:
words must all match, "quoted phrases" match as phrases, `-word` excludes, `OR` offers
alternatives. Results whose title matches the whole query come first, then by rank.

- PostgreSQL: `procedures_searchentry` holds title and approved text as plain text and a stored
  tsvector (title weighted A, body B) with a GIN index; `websearch_to_tsquery`, `ts_rank`,
  `ts_headline` (`django.contrib.postgres.search`).
- SQLite: the FTS5 table `procedures_search_fts` (porter stemming), `bm25` with the title
  weighted 10 to 1, `snippet()`.

In both, database triggers on `procedures_procedure` add, rename and remove entries, so a
procedure not yet written is found by its title as soon as it exists. Only approved text ever
reaches the body column.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from math import ceil
from typing import TYPE_CHECKING

from django.db import connection as default_connection
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from .models import Procedure

MAX_QUERY_LENGTH = 200
PER_PAGE = 10
# Marks around matched words in snippets. Control characters never survive `plain_text`, so
# once the snippet is HTML-escaped they can only be ours, and become <mark>.
START, STOP = "\x02", "\x03"
ELLIPSIS = "…"


# --- query syntax -------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False


@dataclass(frozen=True)
class Clause:
    """Terms that must all match and terms that must not: one side of an OR."""

    include: tuple[Term, ...]
    exclude: tuple[Term, ...] = ()


@dataclass(frozen=True)
class Query:
    text: str
    clauses: tuple[Clause, ...] = ()
    # Why a non-blank query searches for nothing, for the results page.
    problem: str = ""

    def __bool__(self) -> bool:
        return bool(self.clauses)

    def websearch(self) -> str:
        """Return the query in PostgreSQL's websearch_to_tsquery syntax."""

        def term(t: Term, sign: str = "") -> str:
            return f'{sign}"{t.text}"' if t.phrase else f"{sign}{t.text}"

        return " or ".join(
            " ".join([*(term(t) for t in c.include), *(term(t, "-") for t in c.exclude)])
            for c in self.clauses
        )

    def fts5(self, column: str | None = None) -> str:
        """Return the query as an FTS5 MATCH expression, optionally limited to one column."""

        def term(t: Term) -> str:
            # A quoted string is always literal text to FTS5 (never an operator), and is
            # tokenised like the indexed text: a word becomes a one-token phrase.
            return '"' + t.text.replace('"', '""') + '"'

        expr = " OR ".join(
            "(("
            + " AND ".join(term(t) for t in c.include)
            + ")"
            + "".join(f" NOT {term(t)}" for t in c.exclude)
            + ")"
            for c in self.clauses
        )
        return f"{{{column}}} : ({expr})" if column else expr


_TOKEN = re.compile(r'(?P<neg>-?)(?:"(?P<phrase>[^"]*)(?:"|$)|(?P<word>[^\s"]+))')
_HAS_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def parse_query(text: str) -> Query:
    """Parse what a user typed: words (all must match), "phrases", -excluded, OR."""
    text = (text or "").strip()
    clauses: list[Clause] = []
    include: list[Term] = []
    exclude: list[Term] = []
    saw_excluded_only = False

    def close_clause() -> None:
        nonlocal saw_excluded_only
        if include:
            clauses.append(Clause(tuple(include), tuple(exclude)))
        elif exclude:
            saw_excluded_only = True
        include.clear()
        exclude.clear()

    for match in _TOKEN.finditer(text):
        negated = bool(match["neg"])
        if match["phrase"] is not None:
            words = match["phrase"].split()
            term = Term(" ".join(words), phrase=len(words) > 1)
        else:
            word = match["word"]
            if not negated and word.lower() == "or":
                close_clause()
                continue
            term = Term(word.lstrip("-"))
        if not _HAS_LETTER_OR_DIGIT.search(term.text):
            continue
        (exclude if negated else include).append(term)
    close_clause()

    problem = ""
    if text and not clauses:
        problem = (
            "Add a word to look for: excluded words alone (-word) match nothing."
            if saw_excluded_only
            else "Type a word to look for."
        )
    return Query(text=text, clauses=tuple(clauses), problem=problem)


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    procedure: Procedure
    title_html: SafeString
    snippet_html: SafeString
    title_matched: bool
    rank: float


@dataclass
class Results:
    query: Query
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def num_pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.hits else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.hits) - 1 if self.hits else 0


@dataclass(frozen=True)
class _Row:
    """One ranked match as a backend returns it, before snippets and procedures are added."""

    procedure_id: int
    title_matched: bool
    rank: float


def highlight(marked: str) -> SafeString:
    """Escape text that a backend marked with START/STOP, then turn the marks into <mark>."""
    escaped = html.escape(marked, quote=False)
    return mark_safe(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


def search(text: str, *, page: int = 1, per_page: int = PER_PAGE) -> Results:
    """Return one page of procedures matching `text`, best first, with the total count."""
    from .models import Procedure

    query = parse_query(text[:MAX_QUERY_LENGTH])
    results = Results(query=query, page=max(1, page), per_page=per_page)
    if not query:
        return results
    backend = _backend()
    rows, total = backend.top(query, offset=(results.page - 1) * per_page, limit=per_page)
    if not rows and total and results.page > 1:
        # Past the last page (an old link, an edited URL): show the last page instead.
        results.page = ceil(total / per_page)
        rows, total = backend.top(query, offset=(results.page - 1) * per_page, limit=per_page)
    results.total = total
    if not rows:
        return results
    ids = [row.procedure_id for row in rows]
    marked = backend.snippets(query, ids)
    procedures = Procedure.objects.with_place().order_by().in_bulk(ids)
    for row in rows:
        if row.procedure_id not in procedures:
            continue  # deleted between the two queries
        title, snippet = marked.get(row.procedure_id, ("", ""))
        results.hits.append(
            Hit(
                procedure=procedures[row.procedure_id],
                title_html=highlight(title or procedures[row.procedure_id].title),
                snippet_html=highlight(snippet),
                title_matched=row.title_matched,
                rank=row.rank,
            )
        )
    return results


# --- indexing -----------------------------------------------------------------------------

# Inline elements join their text to the neighbours'; every other tag separates words.
_INLINE_TAGS = "a|abbr|b|code|del|em|i|ins|kbd|mark|s|small|span|strong|sub|sup"
_HEADERLINK = re.compile(r'<a class="headerlink"(?:[^>"]|"[^"]*")*>.*?</a>', re.S)
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE_TAGS})\b(?:[^>\"]|\"[^\"]*\")*>", re.I)
_ANY_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def plain_text(body_html: str) -> str:
    """Return the words of sanitised procedure HTML as plain text, for indexing."""
    text = _HEADERLINK.sub("", body_html or "")
    text = _ANY_TAG.sub(" ", _INLINE_TAG.sub("", text))
    text = _CONTROL.sub(" ", html.unescape(text))
    return _SPACES.sub(" ", text).strip()


def _approved_entry(procedure: Procedure) -> tuple[int, str, str]:
    from .models import Revision

    body_html = (
        Revision.objects.filter(
            pk=procedure.current_revision_id, status=Revision.Status.APPROVED
        ).values_list("body_html", flat=True)
    ).first()
    return (procedure.pk, procedure.title, plain_text(body_html or ""))


def index_procedure(procedure: Procedure) -> None:
    """Bring the procedure's search entry and its outgoing wiki links in step with its current
    approved revision (title only when it has none). Safe inside the approving transaction."""
    from .wikilinks import update_links

    with transaction.atomic():
        update_links(procedure)  # may re-render the approved text, so before reading it
        _backend().write([_approved_entry(procedure)])


def rebuild_index(*, batch_size: int = 500) -> int:
    """Re-create every procedure's entry from its approved text; return how many."""
    from .models import Procedure

    backend = _backend()
    count = 0
    with transaction.atomic():
        backend.install_triggers(default_connection)
        backend.clear()
        procedures = Procedure.objects.order_by("pk").values_list(
            "pk", "title", "current_revision__body_html", "current_revision__status"
        )
        batch: list[tuple[int, str, str]] = []
        for pk, title, body_html, status in procedures.iterator(chunk_size=batch_size):
            body = plain_text(body_html) if status == "approved" else ""
            batch.append((pk, title, body))
            if len(batch) >= batch_size:
                backend.write(batch)
                count += len(batch)
                batch = []
        backend.write(batch)
        count += len(batch)
    return count


def query_stems(query: Query) -> re.Pattern | None:
    """Return a pattern finding the words a query looks for in plain text, roughly stemmed.

    Only for choosing where a snippet comes from: `snippet_window`. Each word is cut to a
    prefix that its other forms share (ticket, tickets, ticketing; policy, policies)."""
    words = {
        word.lower()
        for clause in query.clauses
        for term in clause.include
        for word in re.findall(r"[^\W_]+", term.text)
    }
    if not words:
        return None
    prefixes = sorted({w if len(w) <= 4 else w[: max(4, len(w) - 3)] for w in words})
    return re.compile(r"\b(?:" + "|".join(map(re.escape, prefixes)) + ")", re.I)


def snippet_window(body: str, stems: re.Pattern | None, *, before=300, size=1500) -> str:
    """Return the stretch of `body` around its first match of `stems` (its start if none),
    beginning and ending on whole words."""
    found = stems.search(body) if stems else None
    start = 0
    if found and found.start() > before:
        space = body.find(" ", found.start() - before, found.start())
        start = space + 1 if space >= 0 else found.start() - before
    end = start + size
    if end < len(body):
        space = body.rfind(" ", start, end)
        end = space if space > start else end
    return body[start:end]


# --- the two implementations --------------------------------------------------------------


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

        return SearchQuery(query.websearch(), search_type="websearch", config=self.config)

    def top(self, query: Query, *, offset: int, limit: int) -> tuple[list[_Row], int]:
        from django.contrib.postgres.search import SearchRank
        from django.db.models import BooleanField, ExpressionWrapper, F, Q

        from .models import SearchEntry

        tsquery = self._tsquery(query)
        matches = (
            SearchEntry.objects.filter(vector=tsquery)
            .annotate(
                title_matched=ExpressionWrapper(Q(title_vector=tsquery), BooleanField()),
                rank=SearchRank(F("vector"), tsquery),
            )
            .values_list("procedure_id", "title_matched", "rank")
        )
        sql, params = matches.query.sql_with_params()
        # The count comes from the same scan. MATERIALIZED keeps the planner from folding
        # the CTE in, which would carry every 4 kB vector into the window's tuple store
        # (and spill it to disk) before ranking: five times slower on common words.
        with default_connection.cursor() as cursor:
            cursor.execute(
                f"WITH matches AS MATERIALIZED ({sql}) "  # noqa: S608 (Django's SQL)
                "SELECT *, count(*) OVER () FROM matches "
                "ORDER BY 2 DESC, 3 DESC, 1 LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
            rows = cursor.fetchall()
        total = rows[0][3] if rows else (matches.count() if offset else 0)
        return [_Row(pk, matched, rank) for pk, matched, rank, _ in rows], total

    def snippets(self, query: Query, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        # ts_headline parses the whole text it is given, and the best-ranked procedures are
        # the longest: on a whole body it was a third of a common word's search time. It is
        # given the stretch around the first match instead (`snippet_window`).
        from .models import SearchEntry

        entries = list(
            SearchEntry.objects.filter(pk__in=list(ids)).values_list(
                "procedure_id", "title", "body"
            )
        )
        if not entries:
            return {}
        stems = query_stems(query)
        options = (
            f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=15, MaxFragments=2, "
            f'FragmentDelimiter=" {ELLIPSIS} "'
        )
        with default_connection.cursor() as cursor:
            cursor.execute(
                "SELECT entry.pk, ts_headline(%s::regconfig, entry.title, q, %s), "
                "ts_headline(%s::regconfig, entry.body, q, %s) "
                "FROM unnest(%s::int[], %s::text[], %s::text[]) AS entry (pk, title, body), "
                "websearch_to_tsquery(%s::regconfig, %s) AS q",
                [
                    self.config,
                    f"StartSel={START}, StopSel={STOP}, HighlightAll=true",
                    self.config,
                    options,
                    [pk for pk, _, _ in entries],
                    [title for _, title, _ in entries],
                    [snippet_window(body, stems) for _, _, body in entries],
                    self.config,
                    query.websearch(),
                ],
            )
            return {pk: (title, snippet) for pk, title, snippet in cursor.fetchall()}


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

    def top(self, query: Query, *, offset: int, limit: int) -> tuple[list[_Row], int]:
        # Scoring is what costs: bm25 for every match of a word found in nine procedures in
        # ten is most of a query's time, so every match is scored once, in one query. Title
        # matches come first and are few: they are read whole (scored alone, from an FTS5
        # expression: `rowid IN` would make FTS5 answer row by row), and taken out of the
        # scored matches in Python rather than by a NOT in the expression, which costs FTS5
        # a second look at every match. Without exclusions a title match is a match.
        match, in_title = query.fts5(), query.fts5("title")
        excludes = any(clause.exclude for clause in query.clauses)
        titled = self._best(f"({match}) AND ({in_title})" if excludes else in_title, -1, 0)
        rows = [_Row(pk, True, score) for pk, score in titled[offset : offset + limit]]
        if len(rows) < limit:
            more, skip = limit - len(rows), max(0, offset - len(titled))
            in_titles = {pk for pk, _ in titled}
            body = [
                (pk, score)
                for pk, score in self._best(match, skip + more + len(titled), 0)
                if pk not in in_titles
            ]
            rows += [_Row(pk, False, score) for pk, score in body[skip : skip + more]]
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


def backend_for(connection) -> PostgresBackend | SqliteBackend:
    """Return the search implementation for a database connection."""
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"No full-text search for {connection.vendor} databases.")


def _backend() -> PostgresBackend | SqliteBackend:
    return backend_for(default_connection)
