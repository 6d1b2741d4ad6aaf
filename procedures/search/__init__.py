"""Full-text search over the manual's approved text: one interface, two implementations.

`search(text)` returns one ranked page of results, each with its procedure, an escaped and
highlighted snippet and whether the title matched, plus the total count. `index_procedure()`
brings one procedure's entry in step with its approved text; approving calls it
(`workflow.effects`), inside the approving transaction. Modules: `query` (syntax and results),
`postgres` and `sqlite` (one per database), `backends` (which one), `indexing`.

Both implementations read the same parsed query, so the syntax means the same everywhere:
words must all match, "quoted phrases" match as phrases, `-word` excludes, `OR` offers
alternatives, `nam*` is a prefix, a possessive (`client's`) is the word. Results whose title
matches the whole query come first (written procedures before not-yet-written stubs), then
by rank.

- PostgreSQL: `procedures_searchentry` holds title and approved text as plain text and a stored
  tsvector (title weighted A, body B) with a GIN index; `websearch_to_tsquery`, `ts_rank`,
  `ts_headline` (`django.contrib.postgres.search`).
- SQLite: the FTS5 table `procedures_search_fts` (porter stemming), `bm25` with the title
  weighted 10 to 1, `snippet()`.

In both, database triggers on `procedures_procedure` add, rename and remove entries, so a
procedure not yet written is found by its title as soon as it exists. Only approved text ever
reaches the body column. Archiving removes a procedure's entry (`index_procedure`), restoring
writes it again.
"""

from __future__ import annotations

from math import ceil

from ..models import Procedure
from .backends import backend_for, current_backend
from .indexing import index_procedure, plain_text, rebuild_index
from .query import (
    MAX_QUERY_LENGTH,
    PER_PAGE,
    Clause,
    Hit,
    Query,
    Results,
    Term,
    highlight,
    parse_query,
)

__all__ = [
    "MAX_QUERY_LENGTH",
    "PER_PAGE",
    "Clause",
    "Hit",
    "Query",
    "Results",
    "Term",
    "backend_for",
    "highlight",
    "index_procedure",
    "parse_query",
    "plain_text",
    "rebuild_index",
    "search",
]


def search(text: str, *, page: int = 1, per_page: int = PER_PAGE) -> Results:
    """Return one page of procedures matching `text`, best first, with the total count."""
    query = parse_query(text[:MAX_QUERY_LENGTH])
    results = Results(query=query, page=max(1, page), per_page=per_page)
    if not query:
        return results
    backend = current_backend()
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
