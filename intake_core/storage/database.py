"""Engine set-up and the unit of work (one transaction) for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

import asyncpg.exceptions as asyncpg_errors
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from intake_core.errors import StorageUnavailable
from intake_core.storage.repository import Repository

# Raised by asyncpg itself (not wrapped by SQLAlchemy) while the pool opens a connection to a server
# that is shutting down or starting up, or loses one: the database is unavailable, not broken.
_SERVER_GONE = (asyncpg_errors.OperatorInterventionError, asyncpg_errors.PostgresConnectionError)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the single writer; synchronous=NORMAL is durable in WAL mode
    # across application crashes (only an OS crash may lose the last commits).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str, **options: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", 10)
    return create_async_engine(url, **options)


class Database:
    def __init__(self, url: str, **options: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **options)
        self.is_sqlite = url.startswith("sqlite")
        # SQLite has one writer; a read that turns into a write inside a WAL transaction fails
        # with SQLITE_BUSY instead of waiting, so writers of this process take turns.
        self._sqlite_writer: AbstractAsyncContextManager[Any] = (
            asyncio.Lock() if self.is_sqlite else nullcontext()
        )

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[Repository]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        try:
            async with self._sqlite_writer, self.engine.begin() as connection:
                yield Repository(connection)
        except (OperationalError, OSError, ConnectionError, *_SERVER_GONE) as error:
            raise StorageUnavailable("the case database is unavailable") from error
        except DBAPIError as error:
            if error.connection_invalidated:
                raise StorageUnavailable("the case database is unavailable") from error
            raise

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as connection:
            yield connection

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()
