"""Helpers shared by the test suites: real databases, a controllable clock, ready containers."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from config.settings import Settings
from config.wiring import Container, build_container
from intake_core.storage.migrate import upgrade_async

POSTGRES_ADMIN_URL = os.environ.get("INTAKE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, at: datetime | None = None) -> None:
        self.at = at or datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Beijing

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


async def _admin_connection() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error}). "
                    f"Start it with: {START_POSTGRES}", pytrace=False)


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty database on the machine's PostgreSQL, dropped afterwards."""
    name = f"intake_test_{uuid.uuid4().hex[:12]}"
    admin = await _admin_connection()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    host_part = POSTGRES_ADMIN_URL.split("://", 1)[1].rsplit("/", 1)[0]
    try:
        yield f"postgresql+asyncpg://{host_part}/{name}"
    finally:
        admin = await _admin_connection()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def settings_for(var_dir: Path, database_url: str | None = None, **overrides: object) -> Settings:
    url = database_url or f"sqlite+aiosqlite:///{var_dir / 'intake.db'}"
    return Settings(database_url=url, var_dir=var_dir, **overrides)  # type: ignore[arg-type]


async def migrated_container(settings: Settings, clock: FixedClock) -> Container:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    await upgrade_async(settings.database_url)
    return build_container(settings, clock=clock)


