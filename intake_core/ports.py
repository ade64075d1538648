"""The ports through which the core reaches the world. Adapters live outside the core."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Protocol

from intake_core.messages import InboundMessage, Reply, Turn


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Dialogue(Protocol):
    async def handle(self, message: InboundMessage) -> Turn: ...


class HandoffQueue(Protocol):
    async def publish(self, entry_id: str, topic: str, payload: dict[str, Any]) -> None: ...

    def consume(self, pool: str) -> AsyncIterator[tuple[str, dict[str, Any]]]: ...

    async def acknowledge(self, pool: str, entry_id: str) -> None: ...


class Outbound(Protocol):
    """Sends text back to a citizen through the channel the conversation came from."""

    channel: str

    async def send(self, contact_route: str, replies: list[Reply]) -> None: ...
