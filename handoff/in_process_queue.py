"""The embedded handoff queue: entries are outbox rows, delivery state lives in the case database.

Nothing lives only in memory: publishing records the outbox row as an entry of its topic, claiming
records the delivery, acknowledging deletes it, all in committed transactions. A restarted process
carries on where the last one stopped. It serves the consumers of one process; scaling out uses Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from handoff.delivery_store import DeliveryStore, claimed
from intake_core.errors import StorageUnavailable
from intake_core.ports import (
    ClaimedEntry,
    Clock,
    DeadLetter,
    QueueEntry,
    QueuePolicy,
    QueueUnavailable,
    SystemClock,
)
from intake_core.storage.database import Database


class InProcessQueue:
    def __init__(self, database: Database, policy: QueuePolicy | None = None, clock: Clock | None = None,
                 poll_interval: float = 0.2) -> None:
        self.database = database
        self.policy = policy or QueuePolicy()
        self.clock = clock or SystemClock()
        self.poll_interval = poll_interval
        self._published = asyncio.Event()  # wakes waiting claims of this process early

    async def publish(self, entry: QueueEntry) -> bool:
        outbox_id = _outbox_id(entry.entry_id)
        try:
            async with self.database.unit_of_work() as repo:
                store = DeliveryStore(repo.connection)
                await store.serialize_publishers()
                topic = await store.outbox_topic(outbox_id)
                if topic is None:
                    raise ValueError(f"no outbox row {outbox_id}: the in-process queue publishes outbox rows")
                if topic != entry.topic:
                    raise ValueError(f"outbox row {outbox_id} belongs to topic {topic}, not {entry.topic}")
                added = await store.add_entry(outbox_id, topic, self.clock.now())
        except StorageUnavailable as error:
            raise QueueUnavailable("the case database is unavailable") from error
        if added:
            self._published.set()
            self._published = asyncio.Event()
        return added

    async def claim(self, topic: str, pool: str, consumer: str, count: int = 1,
                    wait: float = 0.0) -> list[ClaimedEntry]:
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            entries = await self._claim_once(topic, pool, consumer, count, include_new=True)
            remaining = deadline - asyncio.get_running_loop().time()
            if entries or remaining <= 0:
                return entries
            published = self._published
            try:
                await asyncio.wait_for(published.wait(), timeout=min(remaining, self.poll_interval))
            except TimeoutError:
                pass  # idle entries, or entries published by another process, show up by polling

    async def reclaim(self, topic: str, pool: str, consumer: str, count: int = 1) -> list[ClaimedEntry]:
        return await self._claim_once(topic, pool, consumer, count, include_new=False)

    async def _claim_once(self, topic: str, pool: str, consumer: str, count: int,
                          include_new: bool) -> list[ClaimedEntry]:
        if count < 1:
            raise ValueError("count must be at least 1")
        now = self.clock.now()
        try:
            async with self.database.unit_of_work() as repo:
                store = DeliveryStore(repo.connection)
                last_seq = await store.lock_pool(topic, pool)
                entries = await self._take_idle(store, topic, pool, consumer, count, now)
                if include_new and len(entries) < count:
                    fresh = await store.new_entries(topic, last_seq, count - len(entries))
                    seqs = [int(row.seq) for row in fresh]
                    await store.deliver(topic, pool, seqs, consumer, now)
                    if seqs:
                        await store.move_pool(topic, pool, seqs[-1])
                    entries += [claimed(row, pool, consumer, 1) for row in fresh]
        except StorageUnavailable as error:
            raise QueueUnavailable("the case database is unavailable") from error
        return entries

    async def _take_idle(self, store: DeliveryStore, topic: str, pool: str, consumer: str, count: int,
                         now: datetime) -> list[ClaimedEntry]:
        idle = await store.idle(topic, pool, now - self.policy.idle_after, count)
        exhausted = [int(r.seq) for r in idle if r.deliveries >= self.policy.max_deliveries]
        await store.bury(pool, exhausted, now)
        again = [r for r in idle if r.deliveries < self.policy.max_deliveries]
        await store.redeliver(pool, [int(r.seq) for r in again], consumer, now)
        return [claimed(r, pool, consumer, r.deliveries + 1) for r in again]

    async def acknowledge(self, entry: ClaimedEntry) -> None:
        try:
            async with self.database.unit_of_work() as repo:
                await DeliveryStore(repo.connection).acknowledge(entry.pool, int(entry.position))
        except StorageUnavailable as error:
            raise QueueUnavailable("the case database is unavailable") from error

    async def dead_letters(self, topic: str, pool: str, limit: int = 100) -> list[DeadLetter]:
        async with self.database.unit_of_work() as repo:
            return await DeliveryStore(repo.connection).dead(topic, pool, limit)

    async def trim(self, topic: str, pools: Sequence[str], keep: timedelta) -> int:
        try:
            async with self.database.unit_of_work() as repo:
                return await DeliveryStore(repo.connection).trim(topic, pools, self.clock.now() - keep)
        except StorageUnavailable as error:
            raise QueueUnavailable("the case database is unavailable") from error

    async def close(self) -> None:
        """The database belongs to the caller; nothing to release."""


def _outbox_id(entry_id: str) -> int:
    if not entry_id.isdigit():
        raise ValueError("in-process entry ids are outbox row ids")
    return int(entry_id)
