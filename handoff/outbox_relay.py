"""The outbox relay: publishes outbox rows to the handoff queue, in id order, each exactly once.

Intake only writes the outbox table, so it keeps accepting cases while the queue is down; rows wait
and the relay retries with backoff. A row is marked published after the queue took it; a crash in
between publishes it again, which adds nothing because the entry id is the outbox row id.

Order: rows are published one after the other in id order and a failure stops the pass, so no row
overtakes an earlier one. Rows of one case are written by transactions that lock the case, so their
ids follow their commit order and the queue keeps the order of each case."""

from __future__ import annotations

from typing import Any

from handoff.backoff import Backoff
from handoff.worker import BackgroundWorker
from intake_core.ports import Clock, HandoffQueue, QueueEntry, SystemClock
from intake_core.storage.database import Database


def entry_from_outbox_row(row: Any) -> QueueEntry:
    return QueueEntry(entry_id=str(row.id), topic=row.topic, payload=dict(row.payload), case_ref=row.case_ref)


class OutboxRelay(BackgroundWorker):
    name = "outbox relay"

    def __init__(self, database: Database, queue: HandoffQueue, clock: Clock | None = None,
                 batch_size: int = 200, poll_interval: float = 0.5, backoff: Backoff | None = None) -> None:
        super().__init__(poll_interval, backoff)
        self.database = database
        self.queue = queue
        self.clock = clock or SystemClock()
        self.batch_size = batch_size
        self.published = 0  # rows published by this relay since it started

    async def run_once(self) -> bool:
        return await self.publish_pending() >= self.batch_size

    async def publish_pending(self) -> int:
        """Publishes up to one batch of unpublished rows; the number published. Raises
        QueueUnavailable (after marking what did go out) when the queue stops answering."""
        async with self.database.unit_of_work() as repo:
            rows = await repo.unpublished(self.batch_size)
        done: list[int] = []
        try:
            for row in rows:
                await self.queue.publish(entry_from_outbox_row(row))
                done.append(int(row.id))
        finally:
            if done:
                async with self.database.unit_of_work() as repo:
                    await repo.mark_published(done, self.clock.now())
                self.published += len(done)
        return len(done)
