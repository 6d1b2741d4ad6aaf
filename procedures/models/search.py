"""The search entry table (PostgreSQL only); SQLite keeps an FTS5 table instead."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models

from .manual import Procedure


class SearchEntry(models.Model):
    """PostgreSQL only: one row per procedure, its title and approved text as plain text, and
    a stored, GIN-indexed search vector (title weighted A, body B) the database computes.

    The table exists only on PostgreSQL (migration 0003 creates it per database vendor; on
    SQLite an FTS5 table plays this part); use it only through `procedures.search`. Rows
    follow procedures through database triggers (insert, title change, delete), so a
    procedure loaded from a fixture or added in the admin is found by its title at once;
    `search.indexing.index_procedure` writes the approved body.
    """

    procedure = models.OneToOneField(
        Procedure, on_delete=models.DO_NOTHING, primary_key=True, related_name="+"
    )
    title = models.TextField()
    body = models.TextField(blank=True)
    vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("body", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    # Small, so "does the title match?" costs next to nothing per row.
    title_vector = models.GeneratedField(
        expression=SearchVector("title", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        # Tells Django (test serialisation, flush, schema operations) the table is
        # PostgreSQL's alone.
        required_db_vendor = "postgresql"
        indexes = [GinIndex(fields=["vector"], name="search_entry_vector")]

    def __str__(self) -> str:
        return self.title
