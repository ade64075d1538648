"""Automatic replies to received email: a per-sender rate limit, and sending after the SMTP answer.

The received message is already stored and answered 250 when its reply goes out, so a slow or
failing relay never makes the sending server retry (which would be dropped as a redelivery).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping

from intake_core.messages import Reply
from intake_core.ports import DeliveryDeferred, Outbound, Undeliverable

log = logging.getLogger(__name__)


class ReplyLimiter:
    """At most `per_hour` automatic replies per sender (keyed by digest, never by address)."""

    MAX_TRACKED = 10_000

    def __init__(self, per_hour: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_hour = per_hour
        self._clock = clock
        self._sent: dict[str, deque[float]] = {}

    def allow(self, sender_digest: str) -> bool:
        now = self._clock()
        if len(self._sent) >= self.MAX_TRACKED:  # forget senders that are quiet anyway
            self._sent = {k: v for k, v in self._sent.items() if v and now - v[-1] < 3600}
        stamps = self._sent.setdefault(sender_digest, deque())
        while stamps and now - stamps[0] >= 3600:
            stamps.popleft()
        if len(stamps) >= self.per_hour:
            return False
        stamps.append(now)
        return True


class ReplyQueue:
    """Sends each reply in a task of its own, retrying deferred deliveries a few times."""

    def __init__(self, outbound: Outbound, attempts: int = 4, first_delay: float = 2.0) -> None:
        self.outbound = outbound
        self.attempts = attempts
        self.first_delay = first_delay
        self._tasks: set[asyncio.Task[None]] = set()
        self.delivered = 0
        self.failed = 0

    def submit(self, contact_route: str, replies: list[Reply], thread: Mapping[str, str]) -> None:
        task = asyncio.get_running_loop().create_task(self._send(contact_route, replies, dict(thread)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Waits until every submitted reply is sent or given up."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()

    async def _send(self, contact_route: str, replies: list[Reply], thread: dict[str, str]) -> None:
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                await self.outbound.send(contact_route, replies, thread)
                self.delivered += 1
                return
            except Undeliverable as error:
                log.warning("email reply undeliverable", extra={"reason": str(error)})
                break
            except DeliveryDeferred as error:
                if attempt == self.attempts:
                    log.warning("email reply deferred, giving up", extra={"reason": str(error)})
                    break
                log.info("email reply deferred, retrying", extra={"reason": str(error), "attempt": attempt})
                await asyncio.sleep(delay)
                delay *= 2
            except Exception as error:  # noqa: BLE001 - a reply must never take the mailbox down
                log.error("email reply failed", extra={"error": type(error).__name__})
                break
        self.failed += 1
