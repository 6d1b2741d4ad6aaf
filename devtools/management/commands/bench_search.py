"""Time full-text search against a naive `icontains` scan, over reproducible queries.

Run it on a database filled by `generate_corpus` (`make bench-search` does both, on
PostgreSQL and SQLite). Each query is one to three words: very common words that match most
procedures, ordinary and rare words, "phrases" taken from approved text, a few with OR and
-excluded words. For each, it times what the results page needs: the ranked first ten with
snippets and the total count (`procedures.search.search`), and the same page the naive way
(icontains over titles and approved text, first ten in book order with a snippet cut in
Python, and a count). It prints the median and 95th percentile of each, side by side.
"""

from __future__ import annotations

import random
import statistics
import time

from django.core.management import BaseCommand, CommandError
from django.db import connection
from django.db.models import Q

from devtools.corpus_words import COMMON_WORDS, FUNCTION_WORDS, vocabulary
from procedures import search
from procedures.models import Procedure


def naive_page(text: str, *, per_page: int = search.PER_PAGE) -> tuple[list, int]:
    """Return the first page and the count the way a site without full-text search would."""
    query = search.parse_query(text)
    if not query:
        return [], 0

    def matches(term: search.Term) -> Q:
        return Q(title__icontains=term.text) | Q(current_revision__body__icontains=term.text)

    condition = Q(pk__in=[])
    for clause in query.clauses:
        part = Q()
        for term in clause.include:
            part &= matches(term)
        for term in clause.exclude:
            part &= ~matches(term)
        condition |= part
    procedures = Procedure.objects.filter(condition)
    total = procedures.count()
    page = list(procedures.for_reading().in_book_order()[:per_page])
    first = query.clauses[0].include[0].text.lower()
    for procedure in page:
        body = procedure.current_revision.body if procedure.current_revision else ""
        at = body.lower().find(first)
        procedure.snippet = body[max(0, at - 80) : at + 120] if at >= 0 else body[:200]
    return page, total


def make_queries(count: int, seed: int) -> list[str]:
    """Return `count` reproducible queries drawn from the corpus vocabulary and text."""
    rng = random.Random(seed)
    stop = set(FUNCTION_WORDS)
    words = [w for w in vocabulary() if w not in stop]
    common = COMMON_WORDS[:20]
    weights = [1 / (rank**1.05) for rank in range(1, len(words) + 1)]

    def word() -> str:
        return rng.choices(words, weights=weights)[0]

    texts = list(
        Procedure.objects.published()
        .order_by("pk")
        .values_list("current_revision__body", flat=True)[:500]
    )
    if not texts:
        raise CommandError("No approved text to search: run generate_corpus first.")

    def phrase() -> str:
        tokens = [t.strip(".*`()[]").lower() for t in rng.choice(texts).split()]
        tokens = [t for t in tokens if t.isalnum()]
        length = rng.choice([2, 2, 3])
        start = rng.randrange(max(1, len(tokens) - length))
        return '"' + " ".join(tokens[start : start + length]) + '"'

    makers = [
        (0.15, lambda: rng.choice(common)),  # matches most procedures
        (0.10, lambda: f"{rng.choice(common)} {rng.choice(common)}"),
        (0.20, word),
        (0.15, lambda: f"{word()} {word()}"),
        (0.10, lambda: f"{word()} {word()} {word()}"),
        (0.15, phrase),
        (0.05, lambda: f"{word()} OR {word()}"),
        (0.05, lambda: f"{rng.choice(common)} -{word()}"),
        (0.05, lambda: f"{rng.choice(common)} {word()} {rng.choice(common)}"),
    ]
    shares, functions = zip(*makers, strict=True)
    return [rng.choices(functions, weights=shares)[0]() for _ in range(count)]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Time search against a naive icontains scan (median and p95, in milliseconds)."

    def add_arguments(self, parser):
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-naive", action="store_true", help="Time only the search.")
        parser.add_argument("--show-slowest", type=int, default=0, help="List the N slowest.")

    def handle(self, *args, queries, seed, no_naive, show_slowest, **options):
        texts = make_queries(queries, seed)
        corpus = Procedure.objects.count()
        self.stdout.write(
            f"{connection.vendor}: {corpus} procedures, {len(texts)} queries (seed {seed})"
        )
        runners = [("search", lambda t: search.search(t))]
        if not no_naive:
            runners.append(("naive icontains", naive_page))
        timings: dict[str, list[float]] = {}
        for name, run in runners:
            for text in texts[:20]:  # warm the caches alike for both
                run(text)
            timings[name] = []
            for text in texts:
                started = time.perf_counter()
                run(text)
                timings[name].append((time.perf_counter() - started) * 1000)
        self.stdout.write(f"{'':18}{'median':>10}{'p95':>10}{'max':>10}")
        for name, values in timings.items():
            self.stdout.write(
                f"{name:18}{statistics.median(values):>8.1f}ms"
                f"{percentile(values, 0.95):>8.1f}ms{max(values):>8.1f}ms"
            )
        if len(timings) == 2:
            real, naive = timings["search"], timings["naive icontains"]
            self.stdout.write(
                f"naive / search: median {statistics.median(naive) / statistics.median(real):.0f}x"
                f", p95 {percentile(naive, 0.95) / percentile(real, 0.95):.0f}x"
            )
        if show_slowest:
            slowest = sorted(zip(timings["search"], texts, strict=True), reverse=True)
            for ms, text in slowest[:show_slowest]:
                self.stdout.write(f"  {ms:7.1f}ms  {text}")
