"""Delivers staff and service messages to citizens through the channel each conversation came from.

Messages are rows of `outbound_messages`, written in the same transaction as the action that caused
them. The sender leases a due row, opens its sealed contact route (agents never see it), and hands it to
the channel's `Outbound` adapter. A deferred delivery is retried with growing delays; a citizen who cannot
be reached this way (a landline, a voice-only call, no route at all) is recorded on the case, and the
message waits for their next status query (无法反馈的予以注明)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from handoff.backoff import Backoff
from handoff.worker import BackgroundWorker
from intake_core.crypto import IdentityOpener
from intake_core.errors import CaseNotFound
from intake_core.messages import Reply
from intake_core.ports import Clock, DeliveryDeferred, Outbound, Undeliverable
from intake_core.service import IntakeService
from intake_core.storage.database import Database
from intake_core.storage.desk_repository import SENT, UNDELIVERABLE

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=5)
    longest_delay: timedelta = timedelta(minutes=30)
    max_attempts: int = 10  # about three hours of trying before the message counts as undeliverable
    lease: timedelta = timedelta(minutes=2)  # a sender that dies mid-delivery frees the row after this

    def delay(self, attempts: int, hint: float | None) -> timedelta:
        grown = self.first_delay * (2 ** max(0, attempts - 1))
        if hint is not None:
            grown = max(grown, timedelta(seconds=hint))
        return min(grown, self.longest_delay)


class ReplySender(BackgroundWorker):
    name = "reply sender"

    def __init__(self, database: Database, intake: IntakeService, opener: IdentityOpener,
                 outbounds: Mapping[str, Outbound], clock: Clock, policy: RetryPolicy | None = None,
                 batch_size: int = 50, poll_interval: float = 0.5, backoff: Backoff | None = None) -> None:
        super().__init__(poll_interval, backoff)
        self.database = database
        self.intake = intake
        self.opener = opener
        self.outbounds = outbounds  # adapters registered later (channels wired after) are seen too
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.batch_size = batch_size
        self.sent = 0

    async def run_once(self) -> bool:
        return await self.send_due() >= self.batch_size

    async def send_due(self) -> int:
        """Attempts every due message once; how many were attempted."""
        now = self.clock.now()
        async with self.database.unit_of_work() as repo:
            rows = await repo.desk.due_outbound(now, self.batch_size)
        attempted = 0
        for row in rows:
            async with self.database.unit_of_work() as repo:
                if not await repo.desk.lease_outbound(row.id, now, now + self.policy.lease):
                    continue  # another sender took it
            attempted += 1
            await self._deliver(row)
        return attempted

    async def _deliver(self, row: Any) -> None:
        adapter = self.outbounds.get(row.channel)
        route = self._route(row.contact_route)
        try:
            if adapter is None or route is None:
                raise Undeliverable(f"no way back through the {row.channel} channel")
            # message_ref lets a channel name the message, so that a later failure report finds it.
            await adapter.send(route, [Reply(row.text)], {**dict(row.thread or {}), "message_ref": str(row.id)})
        except DeliveryDeferred as deferred:
            await self._defer(row, deferred)
        except Undeliverable as refusal:
            await self._give_up(row, str(refusal))
        else:
            await self._settle(row.id, state=SENT, attempts=row.attempts + 1, sent_at=self.clock.now(),
                               last_error=None)
            self.sent += 1

    def _route(self, sealed: bytes | None) -> str | None:
        if not sealed:
            return None
        return self.opener.open(sealed).contact_route

    async def _defer(self, row: Any, deferred: DeliveryDeferred) -> None:
        attempts = row.attempts + 1
        if attempts >= self.policy.max_attempts:
            await self._give_up(row, f"still failing after {attempts} attempts")
            return
        delay = self.policy.delay(attempts, deferred.retry_after)
        log.info("message %s to the %s channel deferred (%s); attempt %d in %s",
                 row.id, row.channel, type(deferred).__name__, attempts + 1, delay)
        await self._settle(row.id, attempts=attempts, next_attempt_at=self.clock.now() + delay,
                           last_error=str(deferred)[:256])

    async def _give_up(self, row: Any, reason: str) -> None:
        log.warning("message %s through the %s channel is undeliverable", row.id, row.channel)
        await self._settle(row.id, state=UNDELIVERABLE, attempts=row.attempts + 1, last_error=reason[:256])
        if row.tracking_no:
            try:
                await self.intake.note_undeliverable(row.tracking_no, reason)
            except CaseNotFound:
                pass  # removed by retention meanwhile

    async def _settle(self, message_id: int, **values: Any) -> None:
        async with self.database.unit_of_work() as repo:
            await repo.desk.settle_outbound(message_id, **values)
