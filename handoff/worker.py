"""A background loop shared by the relay, the dispatcher, the reply sender and the idle sweeper.

Each pass does one batch of work. While the database or the queue is unreachable the loop backs off
and retries; any other failure is logged and retried too, so one bad pass never stops the service."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from handoff.backoff import Backoff
from intake_core.errors import StorageUnavailable
from intake_core.ports import QueueUnavailable

log = logging.getLogger(__name__)


class BackgroundWorker:
    name = "worker"

    def __init__(self, poll_interval: float = 0.5, backoff: Backoff | None = None) -> None:
        self.poll_interval = poll_interval
        self.backoff = backoff or Backoff()
        self.failures = 0  # consecutive passes that could not reach the queue or the database
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> bool:
        """One pass; True when there may be more work right away."""
        raise NotImplementedError

    def start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name=self.name)

    def notify(self) -> None:
        """New work was written: run now instead of at the next poll."""
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
            log.warning("%s cancelled after %.0fs of stopping", self.name, grace)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def run(self) -> None:
        log.info("%s started", self.name)
        while not self._stopping.is_set():
            try:
                more = await self.run_once()
            except (QueueUnavailable, StorageUnavailable) as error:
                await self._wait_after_failure(type(error).__name__)
                continue
            except Exception:  # noqa: BLE001 - the loop must outlive one bad pass
                log.exception("%s pass failed", self.name)
                await self._wait_after_failure("unexpected error")
                continue
            if self.failures:
                log.info("%s works again after %d failed passes", self.name, self.failures)
            self.failures = 0
            self.backoff.reset()
            if not more:
                await self._pause(self.poll_interval)
        log.info("%s stopped", self.name)

    async def _wait_after_failure(self, reason: str) -> None:
        self.failures += 1
        delay = self.backoff.next_delay()
        if self.failures == 1 or self.failures % 10 == 0:
            log.warning("%s cannot work (%s); nothing is lost, retry in %.1fs", self.name, reason, delay)
        await self._pause(delay)

    async def _pause(self, seconds: float) -> None:
        """Sleeps, waking early on notify() or stop()."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()
