"""The outbox relay: publishes outbox rows to the handoff queue, in id order, each exactly once.

Intake only writes the outbox table, so it keeps accepting cases while the queue is down; rows wait
and the relay retries with backoff. A row is marked published after the queue took it; a crash in
between publishes it again, which adds nothing because the entry id is the outbox row id.

Order: rows are published one after the other in id order and a failure stops the pass, so no row
overtakes an earlier one. Rows of one case are written by transactions that lock the case, so their
ids follow their commit order and the queue keeps the order of each case."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from handoff.backoff import Backoff
from intake_core.errors import StorageUnavailable
from intake_core.ports import Clock, HandoffQueue, QueueEntry, QueueUnavailable, SystemClock
from intake_core.storage.database import Database

log = logging.getLogger(__name__)


def entry_from_outbox_row(row: Any) -> QueueEntry:
    return QueueEntry(entry_id=str(row.id), topic=row.topic, payload=dict(row.payload), case_ref=row.case_ref)


class OutboxRelay:
    def __init__(self, database: Database, queue: HandoffQueue, clock: Clock | None = None,
                 batch_size: int = 200, poll_interval: float = 0.5, backoff: Backoff | None = None) -> None:
        self.database = database
        self.queue = queue
        self.clock = clock or SystemClock()
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.backoff = backoff or Backoff()
        self.published = 0  # rows published by this relay since it started
        self.failures = 0  # consecutive passes that could not reach the queue or the database
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- one pass ------------------------------------------------------------------------------
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

    # -- the background task ---------------------------------------------------------------------
    def start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name="outbox-relay")

    def notify(self) -> None:
        """New rows were written: publish now instead of at the next poll."""
        self._wake.set()

    async def stop(self, grace: float = 10.0) -> None:
        """Lets the current pass finish (cancelled after `grace` seconds), then returns."""
        self._stopping.set()
        self._wake.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(task, grace)
        except TimeoutError:
            log.warning("outbox relay cancelled after %.0fs of stopping", grace)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def run(self) -> None:
        log.info("outbox relay started")
        while not self._stopping.is_set():
            try:
                count = await self.publish_pending()
            except (QueueUnavailable, StorageUnavailable) as error:
                await self._wait_after_failure(type(error).__name__)
                continue
            except Exception:  # noqa: BLE001 - the relay must outlive one bad pass
                log.exception("outbox relay pass failed")
                await self._wait_after_failure("unexpected error")
                continue
            if self.failures:
                log.info("outbox relay reaches the queue again after %d failed passes", self.failures)
            self.failures = 0
            self.backoff.reset()
            if count < self.batch_size:
                await self._pause(self.poll_interval)
        log.info("outbox relay stopped")

    async def _wait_after_failure(self, reason: str) -> None:
        self.failures += 1
        delay = self.backoff.next_delay()
        if self.failures == 1 or self.failures % 10 == 0:
            log.warning("outbox relay cannot publish (%s); rows wait in the outbox, retry in %.1fs",
                        reason, delay)
        await self._pause(delay)

    async def _pause(self, seconds: float) -> None:
        """Sleeps, waking early on notify() or stop()."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()
