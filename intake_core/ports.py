"""The ports through which the core reaches the world. Adapters live outside the core."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """What is published: one outbox row. `entry_id` is the idempotency key (the outbox row id):
    publishing the same id again adds nothing. The payload is a core event: codes and references only."""

    entry_id: str
    topic: str
    payload: Mapping[str, Any]
    case_ref: str | None = None  # rows of one case keep their order in the topic


@dataclass(frozen=True, slots=True)
class ClaimedEntry:
    """An entry held by one consumer of a pool until it is acknowledged or reclaimed after the idle time."""

    entry_id: str
    topic: str
    payload: Mapping[str, Any]
    case_ref: str | None
    pool: str
    consumer: str
    position: str  # where the entry sits in its topic (Redis stream id, in-process sequence number)
    deliveries: int  # how many times the pool has handed this entry out, this time included


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An entry a pool gave up on after `QueuePolicy.max_deliveries` unacknowledged deliveries."""

    entry_id: str
    topic: str
    payload: Mapping[str, Any]
    case_ref: str | None
    pool: str
    position: str
    deliveries: int


@dataclass(frozen=True, slots=True)
class QueuePolicy:
    idle_after: timedelta = timedelta(minutes=5)  # a claimed, unacknowledged entry may be reclaimed after this
    max_deliveries: int = 5  # an idle entry delivered this often goes to the dead letters instead


class QueueUnavailable(Exception):
    """The queue cannot be reached; the caller retries later (the outbox keeps what waits)."""


class HandoffQueue(Protocol):
    """Topics (cases, handoff, escalations) of entries, consumed by pools of agents.

    Every pool sees every entry of a topic once; inside a pool one consumer holds an entry at a time.
    A consumer acknowledges only after the state change that claiming caused is committed: an entry
    whose consumer stops without acknowledging goes to another consumer after `idle_after`."""

    async def publish(self, entry: QueueEntry) -> bool:
        """Adds the entry; False when an entry with this id was already published (nothing added)."""
        ...

    async def claim(self, topic: str, pool: str, consumer: str, count: int = 1,
                    wait: float = 0.0) -> list[ClaimedEntry]:
        """Idle entries of the pool first (as `reclaim`), then new ones in topic order. Waits up to
        `wait` seconds for something to arrive when nothing is there."""
        ...

    async def reclaim(self, topic: str, pool: str, consumer: str, count: int = 1) -> list[ClaimedEntry]:
        """Takes over entries left unacknowledged longer than `idle_after`; those already delivered
        `max_deliveries` times go to the dead letters instead."""
        ...

    async def acknowledge(self, entry: ClaimedEntry) -> None:
        """Done: the pool never hands this entry out again. Acknowledging twice is harmless."""
        ...

    async def dead_letters(self, topic: str, pool: str, limit: int = 100) -> list[DeadLetter]: ...

    async def trim(self, topic: str, pools: Sequence[str], keep: timedelta) -> int:
        """Removes the topic's entries that every pool has acknowledged and that are older than `keep`;
        returns how many. Nothing is removed until each of `pools` has begun reading the topic, and
        dead letters are kept. A pool that begins reading later sees only what is still kept."""
        ...

    async def close(self) -> None: ...


class RequestLimiter(Protocol):
    """Counts the requests of each client per kind of request within a fixed window."""

    async def allow(self, scope: str, client: str, limit: int) -> float | None:
        """None when the request may go ahead, else the seconds until the client may try again."""
        ...


class DeliveryDeferred(Exception):
    """The channel cannot take the message now (rate limit, 5xx, network); the sender retries later.
    `retry_after` is the channel's own hint in seconds, when it gave one."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Undeliverable(Exception):
    """The citizen cannot be reached this way at all (a landline, a voice-only call, a blocked bot):
    retrying will not help, so the case records that the answer could not be delivered."""


class Outbound(Protocol):
    """Sends text back to a citizen through the channel the conversation came from.

    `contact_route` is "<channel>:<address>" as the channel adapter gave it (opened from its sealed form
    only by the sender); `thread` carries what a channel needs to continue the same thread (an email's
    Message-ID, a call's sid) and may be empty. Raises DeliveryDeferred or Undeliverable."""

    channel: str

    async def send(self, contact_route: str, replies: list[Reply], thread: Mapping[str, str]) -> None: ...
