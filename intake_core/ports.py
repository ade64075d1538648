"""The ports through which the core reaches the world. Adapters live outside the core."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from intake_core.messages import InboundMessage, Reply, Turn


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Dialogue(Protocol):
    """Turns one citizen message into replies. `state` is what the engine saved last turn
    (empty for a new conversation); the new state travels back in `Turn.state`."""

    async def handle(self, message: InboundMessage, state: dict[str, Any]) -> Turn: ...


class ConversationLocks(Protocol):
    """Keeps two messages of one conversation from interleaving."""

    def hold(self, conversation_key: str) -> AbstractAsyncContextManager[None]: ...


class HandoffQueue(Protocol):
    async def publish(self, entry_id: str, topic: str, payload: dict[str, Any]) -> None: ...

    def consume(self, pool: str) -> AsyncIterator[tuple[str, dict[str, Any]]]: ...

    async def acknowledge(self, pool: str, entry_id: str) -> None: ...


class Outbound(Protocol):
    """Sends text back to a citizen through the channel the conversation came from."""

    channel: str

    async def send(self, contact_route: str, replies: list[Reply]) -> None: ...
