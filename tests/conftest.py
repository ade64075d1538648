from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from config.wiring import Container
from tests.support import FixedClock, fresh_postgres_database, migrated_container, settings_for


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(params=["sqlite", "postgresql"])
async def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Every storage contract test runs on SQLite and on the machine's PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
    else:
        async with fresh_postgres_database() as url:
            yield url


@pytest.fixture
async def container(storage_url: str, tmp_path: Path, clock: FixedClock) -> AsyncIterator[Container]:
    built = await migrated_container(settings_for(tmp_path / "var", storage_url), clock)
    yield built
    await built.close()


@pytest.fixture
async def sqlite_container(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Container]:
    built = await migrated_container(settings_for(tmp_path / "var"), clock)
    yield built
    await built.close()
