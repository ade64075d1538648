"""INSERT that skips a row whose unique key is already there, in the form each database caches.

SQLAlchemy compiles an `ON CONFLICT DO NOTHING` statement anew on every execution (its statement cache
does not cover it), which costs a few tenths of a millisecond on every citizen message. On SQLite the
same effect is `INSERT OR IGNORE`, which is compiled once. On PostgreSQL the ON CONFLICT form stays: it
names the unique key, so only that conflict is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Insert, Table, insert
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection


def insert_skipping_duplicates(connection: AsyncConnection, table: Table, key: Sequence[str]) -> Insert:
    """`key`: the unique columns whose conflict is skipped (PostgreSQL; SQLite skips any uniqueness conflict,
    so use it only on tables whose rows are otherwise valid by construction)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(key))
    return insert(table).prefix_with("OR IGNORE", dialect="sqlite")
