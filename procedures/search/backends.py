"""Which search implementation a database connection gets."""

from __future__ import annotations

from django.db import connection as default_connection

from .postgres import PostgresBackend
from .sqlite import SqliteBackend


def backend_for(connection) -> PostgresBackend | SqliteBackend:
    """Return the search implementation for a database connection."""
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"No full-text search for {connection.vendor} databases.")


def current_backend() -> PostgresBackend | SqliteBackend:
    return backend_for(default_connection)
