from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from config.wiring import Container
from tests.privacy import LogRecorder, leaks
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


_log_recorder = LogRecorder()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_log_recorder)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After the whole run: no reporter's phone, address, chat id or name in any log line."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    log_dirs = [factory.getbasetemp()] if factory is not None else []
    found = leaks(_log_recorder.lines, log_dirs)
    if found:
        print("\nPERSONAL DATA IN LOGS:\n  " + "\n  ".join(found[:20]))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
