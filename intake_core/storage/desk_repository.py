"""The agents' side of storage: work items, supervisor notifications, outbound messages, API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from intake_core.storage.tables import api_tokens, conversations, notifications, outbound_messages, work_items

OPEN, CLAIMED, DONE = "open", "claimed", "done"
PENDING, SENT, UNDELIVERABLE = "pending", "sent", "undeliverable"
_PRIORITY_RANK = case({"P1": 1, "P2": 2, "P3": 3, "P4": 4}, value=work_items.c.priority, else_=9)


class DeskRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self._insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert

    # -- work items ----------------------------------------------------------------------------
    async def add_item(self, values: dict[str, Any]) -> bool:
        """False when the entry was materialized before (a redelivered queue entry)."""
        statement = self._insert(work_items).values(**values)
        outcome = await self.connection.execute(statement.on_conflict_do_nothing(index_elements=["source_entry"]))
        return outcome.rowcount == 1

    async def item(self, item_id: int, for_update: bool = False) -> Row[Any] | None:
        query = select(work_items).where(work_items.c.id == item_id)
        return (await self.connection.execute(query.with_for_update() if for_update else query)).first()

    async def items(self, states: Sequence[str], kind: str | None = None, limit: int = 100) -> Sequence[Row[Any]]:
        """In working order: priority, then the SLA due time, then arrival."""
        query = select(work_items).where(work_items.c.state.in_(states))
        if kind:
            query = query.where(work_items.c.kind == kind)
        query = query.order_by(_PRIORITY_RANK, work_items.c.due_at, work_items.c.id).limit(limit)
        return (await self.connection.execute(query)).all()

    async def open_live_item(self, conversation_key: str) -> Row[Any] | None:
        query = select(work_items).where(work_items.c.kind == "live", work_items.c.state != DONE,
                                         work_items.c.conversation_key == conversation_key)
        return (await self.connection.execute(query.order_by(work_items.c.id.desc()).limit(1))).first()

    async def live_position(self, conversation_key: str) -> int:
        """1 for the first waiting live conversation. A request not yet materialized counts as last."""
        mine = await self.open_live_item(conversation_key)
        waiting = select(func.count()).select_from(work_items).where(
            work_items.c.kind == "live", work_items.c.state == OPEN)
        if mine is not None and mine.state == OPEN:
            waiting = waiting.where(work_items.c.id <= mine.id)
            return int((await self.connection.execute(waiting)).scalar_one())
        return int((await self.connection.execute(waiting)).scalar_one()) + 1

    async def claim_item(self, item_id: int, agent: str, at: datetime) -> bool:
        """Atomic: one UPDATE that succeeds only while the item is open, so two agents never both win."""
        outcome = await self.connection.execute(
            update(work_items).where(work_items.c.id == item_id, work_items.c.state == OPEN)
            .values(state=CLAIMED, claimed_by=agent, claimed_at=at, updated_at=at))
        return outcome.rowcount == 1

    async def set_item_state(self, item_id: int, state: str, at: datetime, holder: str | None = None) -> bool:
        """Moves an item on; with `holder`, only while that agent holds it."""
        condition = [work_items.c.id == item_id]
        if holder is not None:
            condition += [work_items.c.state == CLAIMED, work_items.c.claimed_by == holder]
        values: dict[str, Any] = {"state": state, "updated_at": at}
        if state == OPEN:
            values |= {"claimed_by": None, "claimed_at": None}
        outcome = await self.connection.execute(update(work_items).where(*condition).values(**values))
        return outcome.rowcount == 1

    async def finish_case_items(self, tracking_no: str, at: datetime) -> None:
        await self.connection.execute(
            update(work_items).where(work_items.c.tracking_no == tracking_no, work_items.c.state != DONE)
            .values(state=DONE, updated_at=at))

    async def counts(self) -> dict[tuple[str, str], int]:
        rows = await self.connection.execute(
            select(work_items.c.kind, work_items.c.state, func.count())
            .where(work_items.c.state != DONE).group_by(work_items.c.kind, work_items.c.state))
        return {(r[0], r[1]): int(r[2]) for r in rows}

    # -- held conversations --------------------------------------------------------------------
    async def hold(self, conversation_key: str, agent: str | None, at: datetime) -> None:
        await self.connection.execute(
            update(conversations).where(conversations.c.key == conversation_key)
            .values(held_by=agent, agent_active_at=at if agent else None))

    async def touch_hold(self, conversation_key: str, agent: str, at: datetime) -> bool:
        outcome = await self.connection.execute(
            update(conversations).where(conversations.c.key == conversation_key, conversations.c.held_by == agent)
            .values(agent_active_at=at))
        return outcome.rowcount == 1

    async def idle_holds(self, idle_since: datetime, limit: int = 100) -> Sequence[Row[Any]]:
        query = select(conversations.c.key, conversations.c.held_by, conversations.c.locale).where(
            conversations.c.held_by.is_not(None),
            or_(conversations.c.agent_active_at.is_(None), conversations.c.agent_active_at < idle_since))
        return (await self.connection.execute(query.limit(limit))).all()

    async def add_once(self, table: Table, values: dict[str, Any], key: list[str]) -> bool:
        """Inserts unless a row with the same key exists; True when inserted."""
        statement = self._insert(table).values(**values)
        outcome = await self.connection.execute(statement.on_conflict_do_nothing(index_elements=key))
        return outcome.rowcount == 1

    # -- notifications -------------------------------------------------------------------------
    async def add_notification(self, values: dict[str, Any]) -> bool:
        statement = self._insert(notifications).values(**values)
        outcome = await self.connection.execute(statement.on_conflict_do_nothing(index_elements=["source_entry"]))
        return outcome.rowcount == 1

    async def notifications_for(self, audiences: Sequence[str], unread_only: bool,
                                limit: int = 100) -> Sequence[Row[Any]]:
        query = select(notifications).where(notifications.c.audience.in_(audiences))
        if unread_only:
            query = query.where(notifications.c.read_at.is_(None))
        return (await self.connection.execute(query.order_by(notifications.c.id.desc()).limit(limit))).all()

    async def mark_read(self, notification_id: int, reader: str, at: datetime) -> bool:
        outcome = await self.connection.execute(
            update(notifications).where(notifications.c.id == notification_id, notifications.c.read_at.is_(None))
            .values(read_at=at, read_by=reader))
        return outcome.rowcount == 1

    # -- outbound messages ---------------------------------------------------------------------
    async def add_outbound(self, values: dict[str, Any]) -> int:
        outcome = await self.connection.execute(outbound_messages.insert().returning(outbound_messages.c.id), values)
        return int(outcome.scalar_one())

    async def due_outbound(self, now: datetime, limit: int) -> Sequence[Row[Any]]:
        query = select(outbound_messages).where(
            outbound_messages.c.state == PENDING, outbound_messages.c.next_attempt_at <= now)
        return (await self.connection.execute(query.order_by(outbound_messages.c.id).limit(limit))).all()

    async def lease_outbound(self, message_id: int, now: datetime, until: datetime) -> bool:
        """Takes a due message for one sender (replicas may run several): pushes its next attempt out."""
        outcome = await self.connection.execute(
            update(outbound_messages).where(outbound_messages.c.id == message_id, outbound_messages.c.state == PENDING,
                                            outbound_messages.c.next_attempt_at <= now)
            .values(next_attempt_at=until))
        return outcome.rowcount == 1

    async def last_thread(self, conversation_key: str) -> dict[str, str]:
        """The thread of the latest message to this conversation that had one (email threading)."""
        rows = await self.connection.execute(
            select(outbound_messages.c.thread).where(outbound_messages.c.conversation_key == conversation_key)
            .order_by(outbound_messages.c.id.desc()).limit(20))
        for (thread,) in rows:
            if thread:
                return dict(thread)
        return {}

    async def outbound(self, message_id: int) -> Row[Any] | None:
        query = select(outbound_messages).where(outbound_messages.c.id == message_id)
        if self.connection.dialect.name == "postgresql":
            query = query.with_for_update()
        return (await self.connection.execute(query)).first()

    async def settle_outbound(self, message_id: int, **values: Any) -> None:
        await self.connection.execute(
            update(outbound_messages).where(outbound_messages.c.id == message_id).values(**values))

    async def undelivered_for_case(self, tracking_no: str) -> Sequence[Row[Any]]:
        query = select(outbound_messages.c.text, outbound_messages.c.created_at).where(
            and_(outbound_messages.c.tracking_no == tracking_no, outbound_messages.c.state == UNDELIVERABLE))
        return (await self.connection.execute(query.order_by(outbound_messages.c.id))).all()

    # -- tokens --------------------------------------------------------------------------------
    async def add_token(self, digest: str, agent: str, roles: str, at: datetime) -> None:
        await self.connection.execute(api_tokens.insert(), {
            "token_digest": digest, "agent": agent, "roles": roles, "created_at": at})

    async def token(self, digest: str) -> Row[Any] | None:
        query = select(api_tokens).where(api_tokens.c.token_digest == digest, api_tokens.c.revoked_at.is_(None))
        return (await self.connection.execute(query)).first()

    async def revoke_tokens(self, agent: str, at: datetime) -> int:
        outcome = await self.connection.execute(
            update(api_tokens).where(api_tokens.c.agent == agent, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at))
        return int(outcome.rowcount)
