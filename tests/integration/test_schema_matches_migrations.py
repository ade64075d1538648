"""The Alembic migrations build exactly the schema the code declares (tables.py), on SQLite and PostgreSQL:
a column added to the code without a migration would otherwise surface only on a deployed database."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from intake_core.storage.migrate import upgrade_async
from intake_core.storage.tables import metadata


def differences(connection: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(connection), metadata))


async def test_migrated_database_matches_the_declared_schema(storage_url: str) -> None:
    await upgrade_async(storage_url)
    engine = create_async_engine(storage_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
