"""Keeps the handoff queue and the outbox from growing without end.

Queue entries every pool has acknowledged, and outbox rows already published that no entry refers to,
are removed once older than `keep`; dead letters stay for staff to look at. Until then they remain
for inspection and for a pool that is added later."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta

from handoff.worker import BackgroundWorker
from intake_core.ports import Clock, HandoffQueue
from intake_core.storage.database import Database

log = logging.getLogger(__name__)

BATCH = 5000  # outbox rows per transaction: a first run over a long history must not hold the database


class QueueTrimmer(BackgroundWorker):
    name = "queue trimmer"

    def __init__(self, queue: HandoffQueue, database: Database, pools_by_topic: Mapping[str, Sequence[str]],
                 keep: timedelta, clock: Clock, poll_interval: float = 600.0) -> None:
        super().__init__(poll_interval)
        self.queue = queue
        self.database = database
        self.pools_by_topic = pools_by_topic
        self.keep = keep
        self.clock = clock

    async def run_once(self) -> bool:
        entries = 0
        for topic, pools in self.pools_by_topic.items():
            entries += await self.queue.trim(topic, pools, self.keep)
        async with self.database.unit_of_work() as repo:
            rows = await repo.prune_outbox(self.clock.now() - self.keep, BATCH)
        if entries or rows:
            log.info("handoff queue trimmed", extra={"entries": entries, "outbox_rows": rows})
        return rows == BATCH
