"""Storage of the console's staff: users, server-side sessions, canned responses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from intake_core.storage.tables import canned_responses, console_sessions, login_failures, users


class StaffRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    # -- users ---------------------------------------------------------------------------------
    async def user(self, username: str) -> Row[Any] | None:
        return (await self.connection.execute(select(users).where(users.c.username == username))).first()

    async def users(self) -> Sequence[Row[Any]]:
        return (await self.connection.execute(select(users).order_by(users.c.username))).all()

    async def add_user(self, values: dict[str, Any]) -> None:
        await self.connection.execute(users.insert(), values)

    async def update_user(self, username: str, **values: Any) -> bool:
        outcome = await self.connection.execute(update(users).where(users.c.username == username).values(**values))
        return outcome.rowcount == 1

    # -- failed logins -------------------------------------------------------------------------
    async def login_failures(self, name_digest: str, lock: bool = False) -> Row[Any] | None:
        query = select(login_failures).where(login_failures.c.name_digest == name_digest)
        if lock and self.connection.dialect.name == "postgresql":
            query = query.with_for_update()
        return (await self.connection.execute(query)).first()

    async def start_login_failures(self, name_digest: str, at: datetime) -> None:
        """Makes sure the row exists (concurrent first failures meet on it)."""
        insert = postgresql.insert if self.connection.dialect.name == "postgresql" else sqlite.insert
        await self.connection.execute(insert(login_failures).values(
            name_digest=name_digest, failures=0, first_failed_at=at).on_conflict_do_nothing(
            index_elements=["name_digest"]))

    async def set_login_failures(self, name_digest: str, **values: Any) -> None:
        await self.connection.execute(
            update(login_failures).where(login_failures.c.name_digest == name_digest).values(**values))

    async def clear_login_failures(self, name_digest: str) -> None:
        await self.connection.execute(delete(login_failures).where(login_failures.c.name_digest == name_digest))

    # -- sessions ------------------------------------------------------------------------------
    async def add_session(self, values: dict[str, Any]) -> None:
        await self.connection.execute(console_sessions.insert(), values)

    async def session(self, digest: str) -> Row[Any] | None:
        query = select(console_sessions).where(console_sessions.c.id_digest == digest)
        return (await self.connection.execute(query)).first()

    async def touch_session(self, digest: str, at: datetime, **values: Any) -> None:
        await self.connection.execute(update(console_sessions).where(console_sessions.c.id_digest == digest)
                                      .values(last_seen_at=at, **values))

    async def delete_session(self, digest: str) -> None:
        await self.connection.execute(delete(console_sessions).where(console_sessions.c.id_digest == digest))

    async def delete_sessions_of(self, username: str) -> None:
        await self.connection.execute(delete(console_sessions).where(console_sessions.c.username == username))

    async def delete_stale_sessions(self, idle_since: datetime, now: datetime) -> None:
        await self.connection.execute(delete(console_sessions).where(
            (console_sessions.c.last_seen_at < idle_since) | (console_sessions.c.expires_at < now)))

    # -- canned responses ----------------------------------------------------------------------
    async def add_canned(self, values: dict[str, Any]) -> int:
        outcome = await self.connection.execute(canned_responses.insert().returning(canned_responses.c.id), values)
        return int(outcome.scalar_one())

    async def canned(self, active_only: bool) -> Sequence[Row[Any]]:
        query = select(canned_responses)
        if active_only:
            query = query.where(canned_responses.c.active.is_(True))
        return (await self.connection.execute(query.order_by(canned_responses.c.id))).all()

    async def set_canned_active(self, canned_id: int, active: bool) -> bool:
        outcome = await self.connection.execute(
            update(canned_responses).where(canned_responses.c.id == canned_id).values(active=active))
        return outcome.rowcount == 1
