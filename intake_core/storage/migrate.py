"""Schema migrations with Alembic, configured in code so no alembic.ini is needed at run time."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """For callers inside an event loop: env.py runs its own loop, so it gets a thread."""
    await asyncio.to_thread(upgrade, database_url, revision)


def current(database_url: str) -> None:
    command.current(alembic_config(database_url))
