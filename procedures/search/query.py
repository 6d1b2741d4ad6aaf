"""What a user typed, parsed once for both databases, and the results page's data."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from math import ceil
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from ..models import Procedure

MAX_QUERY_LENGTH = 200
PER_PAGE = 10
# Marks around matched words in snippets. Control characters never survive `plain_text`, so
# once the snippet is HTML-escaped they can only be ours, and become <mark>.
START, STOP = "\x02", "\x03"
ELLIPSIS = "…"


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    prefix: bool = False  # `nam*`: any word beginning so


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

    @property
    def has_prefix(self) -> bool:
        return any(t.prefix for c in self.clauses for t in (*c.include, *c.exclude))

    def tsquery(self) -> tuple[str, str]:
        """Return PostgreSQL's function and its text for this query.

        websearch_to_tsquery when it can say it; a prefix (`nam*`) needs to_tsquery's
        `:*`, with every term a quoted operand (so nothing in it is an operator)."""
        if not self.has_prefix:
            return "websearch_to_tsquery", self.websearch()

        def term(t: Term) -> str:
            quoted = "'" + t.text.replace("\\", "\\\\").replace("'", "''") + "'"
            return quoted + (":*" if t.prefix else "")

        return "to_tsquery", " | ".join(
            "("
            + " & ".join([*(term(t) for t in c.include), *("!" + term(t) for t in c.exclude)])
            + ")"
            for c in self.clauses
        )

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
            # tokenised like the indexed text: a word becomes a one-token phrase. A `*`
            # after it makes its last token a prefix.
            return '"' + t.text.replace('"', '""') + '"' + ("*" if t.prefix else "")

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
# `client's`, `clients'`: the possessive is not part of the word (both indexes would read
# it as a second word "s", which FTS5 then needs right after "client").
_POSSESSIVE = re.compile(r"(?<=[^\W_])['\u2019]s?(?=\*?$)", re.I)


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
            word = _POSSESSIVE.sub("", word.lstrip("-"))
            prefix = word.endswith("*") and bool(_HAS_LETTER_OR_DIGIT.search(word))
            term = Term(word.rstrip("*"), prefix=prefix)
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
class Row:
    """One ranked match as a backend returns it, before snippets and procedures are added."""

    procedure_id: int
    title_matched: bool
    rank: float


def highlight(marked: str) -> SafeString:
    """Escape text that a backend marked with START/STOP, then turn the marks into <mark>."""
    escaped = html.escape(marked, quote=False)
    return mark_safe(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


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
