"""Moves handoff queue entries onto the agent desk: work items for agents, notifications for supervisors.

Each topic is read by its pool of consumers. An entry is acknowledged only after the desk committed
what it caused; the desk applies an entry once, so a redelivery after a crash changes nothing."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from handoff.backoff import Backoff
from handoff.worker import BackgroundWorker
from intake_core.desk import AgentDesk
from intake_core.ports import HandoffQueue

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Subscription:
    topic: str
    pool: str


SUBSCRIPTIONS = (
    Subscription("cases", "desk"),  # registered cases and their status changes
    Subscription("handoff", "desk"),  # "talk to a person" in a live conversation
    Subscription("escalations", "supervisors"),  # P1: the supervisor stream
)


def pools_by_topic(subscriptions: Sequence[Subscription] = SUBSCRIPTIONS) -> dict[str, list[str]]:
    pools: dict[str, list[str]] = {}
    for subscription in subscriptions:
        pools.setdefault(subscription.topic, []).append(subscription.pool)
    return pools


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class QueueDispatcher(BackgroundWorker):
    name = "queue dispatcher"

    def __init__(self, queue: HandoffQueue, desk: AgentDesk, consumer: str | None = None,
                 subscriptions: tuple[Subscription, ...] = SUBSCRIPTIONS, batch_size: int = 50,
                 poll_interval: float = 0.2, backoff: Backoff | None = None) -> None:
        super().__init__(poll_interval, backoff)
        self.queue = queue
        self.desk = desk
        self.consumer = consumer or consumer_name()
        self.subscriptions = subscriptions
        self.batch_size = batch_size
        self.applied = 0  # entries acknowledged by this dispatcher since it started

    async def run_once(self) -> bool:
        more = False
        for subscription in self.subscriptions:
            more |= await self.dispatch(subscription) >= self.batch_size
        return more

    async def dispatch(self, subscription: Subscription) -> int:
        """Applies one batch of the subscription's entries; how many were acknowledged."""
        entries = await self.queue.claim(subscription.topic, subscription.pool, self.consumer, self.batch_size)
        for entry in entries:
            try:
                await self.desk.materialize(entry.entry_id, dict(entry.payload))
            except (KeyError, ValueError, TypeError):
                # A malformed entry stays unacknowledged: after the idle time it is delivered again
                # and, once past the delivery limit, lands in the dead letters for a person to look at.
                log.error("queue entry %s of %s cannot be applied; left for the dead letters",
                          entry.entry_id, entry.topic)
                continue
            await self.queue.acknowledge(entry)
            self.applied += 1
        return len(entries)
