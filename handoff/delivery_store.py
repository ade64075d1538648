"""SQL of the in-process queue: entries are outbox rows; per pool a position and the pending deliveries.

Every method runs on the connection of one unit of work (the core's Repository transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake_core.ports import ClaimedEntry, DeadLetter
from intake_core.storage.inserts import insert_skipping_duplicates
from intake_core.storage.tables import handoff_deliveries, handoff_entries, handoff_pools, outbox

# Any constant works: it only has to be the same for every publisher of this database.
_PUBLISH_LOCK = 0x68616E646F6666  # "handoff"

_ENTRY_COLUMNS = (handoff_entries.c.seq, outbox.c.id.label("outbox_id"), outbox.c.topic, outbox.c.case_ref,
                  outbox.c.payload)


class DeliveryStore:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self._postgres = connection.dialect.name == "postgresql"

    # -- publishing ----------------------------------------------------------------------------
    async def serialize_publishers(self) -> None:
        """Sequence numbers must become visible in their order, or a pool's position could pass a
        number whose transaction commits later. SQLite has one writer; PostgreSQL takes a lock
        that is held until this transaction ends."""
        if self._postgres:
            await self.connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PUBLISH_LOCK})

    async def outbox_topic(self, outbox_id: int) -> str | None:
        return await self.connection.scalar(select(outbox.c.topic).where(outbox.c.id == outbox_id))

    async def add_entry(self, outbox_id: int, topic: str, at: datetime) -> bool:
        """False when the outbox row was published before."""
        statement = insert_skipping_duplicates(self.connection, handoff_entries, ["outbox_id"])
        result = await self.connection.execute(statement, {"outbox_id": outbox_id, "topic": topic, "published_at": at})
        return result.rowcount == 1

    # -- pools ---------------------------------------------------------------------------------
    async def lock_pool(self, topic: str, pool: str) -> int:
        """The pool's position, locked until the transaction ends, so claims of one pool take turns."""
        create = insert_skipping_duplicates(self.connection, handoff_pools, ["topic", "pool"])
        await self.connection.execute(create, {"topic": topic, "pool": pool, "last_seq": 0})
        query = select(handoff_pools.c.last_seq).where(
            handoff_pools.c.topic == topic, handoff_pools.c.pool == pool).with_for_update()
        return int((await self.connection.execute(query)).scalar_one())

    async def move_pool(self, topic: str, pool: str, last_seq: int) -> None:
        await self.connection.execute(update(handoff_pools).where(
            handoff_pools.c.topic == topic, handoff_pools.c.pool == pool).values(last_seq=last_seq))

    # -- deliveries ----------------------------------------------------------------------------
    async def idle(self, topic: str, pool: str, claimed_before: datetime, limit: int) -> Sequence[Row[Any]]:
        query = (select(*_ENTRY_COLUMNS, handoff_deliveries.c.deliveries)
                 .select_from(handoff_deliveries.join(handoff_entries).join(outbox))
                 .where(handoff_deliveries.c.topic == topic, handoff_deliveries.c.pool == pool,
                        handoff_deliveries.c.dead_at.is_(None), handoff_deliveries.c.claimed_at <= claimed_before)
                 .order_by(handoff_deliveries.c.seq).limit(limit))
        return (await self.connection.execute(query)).all()

    async def bury(self, pool: str, seqs: Sequence[int], at: datetime) -> None:
        if seqs:
            await self.connection.execute(update(handoff_deliveries).where(
                handoff_deliveries.c.pool == pool, handoff_deliveries.c.seq.in_(seqs)).values(dead_at=at))

    async def redeliver(self, pool: str, seqs: Sequence[int], consumer: str, at: datetime) -> None:
        if seqs:
            await self.connection.execute(update(handoff_deliveries).where(
                handoff_deliveries.c.pool == pool, handoff_deliveries.c.seq.in_(seqs)).values(
                consumer=consumer, claimed_at=at, deliveries=handoff_deliveries.c.deliveries + 1))

    async def new_entries(self, topic: str, after_seq: int, limit: int) -> Sequence[Row[Any]]:
        query = (select(*_ENTRY_COLUMNS).select_from(handoff_entries.join(outbox))
                 .where(handoff_entries.c.topic == topic, handoff_entries.c.seq > after_seq)
                 .order_by(handoff_entries.c.seq).limit(limit))
        return (await self.connection.execute(query)).all()

    async def deliver(self, topic: str, pool: str, seqs: Sequence[int], consumer: str, at: datetime) -> None:
        if seqs:
            await self.connection.execute(handoff_deliveries.insert(), [
                {"pool": pool, "seq": seq, "topic": topic, "consumer": consumer, "deliveries": 1,
                 "claimed_at": at, "dead_at": None} for seq in seqs])

    async def acknowledge(self, pool: str, seq: int) -> None:
        await self.connection.execute(delete(handoff_deliveries).where(and_(
            handoff_deliveries.c.pool == pool, handoff_deliveries.c.seq == seq,
            handoff_deliveries.c.dead_at.is_(None))))

    # -- trimming ------------------------------------------------------------------------------
    async def trim(self, topic: str, pools: Sequence[str], published_before: datetime) -> int:
        """Deletes entries every pool of the topic has passed and acknowledged (see HandoffQueue.trim)."""
        rows = await self.connection.execute(
            select(handoff_pools.c.pool, handoff_pools.c.last_seq).where(handoff_pools.c.topic == topic))
        positions: dict[str, int] = {row.pool: int(row.last_seq) for row in rows}
        if not pools or any(pool not in positions for pool in pools):
            return 0
        oldest_pending = await self.connection.scalar(select(func.min(handoff_deliveries.c.seq)).where(
            handoff_deliveries.c.topic == topic, handoff_deliveries.c.dead_at.is_(None)))
        bound = min(positions.values()) + 1
        if oldest_pending is not None:
            bound = min(bound, int(oldest_pending))
        delivered = select(handoff_deliveries.c.seq).where(handoff_deliveries.c.topic == topic)  # dead letters
        # The newest row stays: SQLite hands out max(rowid) + 1, so emptying the table would reuse numbers
        # that pools have already passed.
        newest = select(func.max(handoff_entries.c.seq)).scalar_subquery()
        result = await self.connection.execute(delete(handoff_entries).where(
            handoff_entries.c.topic == topic, handoff_entries.c.seq < bound, handoff_entries.c.seq < newest,
            handoff_entries.c.published_at < published_before, handoff_entries.c.seq.not_in(delivered)))
        return int(result.rowcount or 0)

    async def dead(self, topic: str, pool: str, limit: int) -> list[DeadLetter]:
        query = (select(*_ENTRY_COLUMNS, handoff_deliveries.c.deliveries)
                 .select_from(handoff_deliveries.join(handoff_entries).join(outbox))
                 .where(handoff_deliveries.c.topic == topic, handoff_deliveries.c.pool == pool,
                        handoff_deliveries.c.dead_at.is_not(None))
                 .order_by(handoff_deliveries.c.seq).limit(limit))
        return [DeadLetter(str(r.outbox_id), r.topic, dict(r.payload), r.case_ref, pool, str(r.seq), r.deliveries)
                for r in await self.connection.execute(query)]


def claimed(row: Row[Any], pool: str, consumer: str, deliveries: int) -> ClaimedEntry:
    return ClaimedEntry(entry_id=str(row.outbox_id), topic=row.topic, payload=dict(row.payload),
                        case_ref=row.case_ref, pool=pool, consumer=consumer, position=str(row.seq),
                        deliveries=deliveries)
