"""Token buckets that keep the bot under Telegram's flood limits (about 30 messages a second overall,
about one a second in one chat), so that 429s stay the exception."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class TokenBucket:
    """Reservation style: a caller takes a token now and is told how long to wait before using it.
    Tokens may go negative, which queues callers fairly without a lock or a polling loop."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("a token bucket needs a positive rate and room for one token")
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._stamp = now
        self._closed_until = 0.0

    def reserve(self, now: float) -> float:
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        self._tokens -= 1
        wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        return max(wait, self._closed_until - now)

    def close_for(self, seconds: float, now: float) -> None:
        """Telegram said "retry after": nobody sends before then."""
        self._closed_until = max(self._closed_until, now + seconds)

    def idle(self, now: float) -> bool:
        refilled = self._tokens + (now - self._stamp) * self.rate
        return refilled >= self.capacity and now >= self._closed_until


class SendLimiter:
    """One global bucket and one bucket per chat; `acquire(chat)` returns when a message may go."""

    MAX_TRACKED_CHATS = 10_000

    def __init__(self, per_second: float = 25.0, per_chat_per_second: float = 1.0, per_chat_burst: int = 3,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.per_chat_per_second = per_chat_per_second
        self.per_chat_burst = per_chat_burst
        self._clock = clock
        self._sleep = sleep
        self._global = TokenBucket(per_second, max(1.0, per_second), clock())
        self._chats: dict[int, TokenBucket] = {}

    def _chat_bucket(self, chat_id: int, now: float) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= self.MAX_TRACKED_CHATS:  # forget chats that are quiet anyway
                self._chats = {key: b for key, b in self._chats.items() if not b.idle(now)}
            bucket = self._chats[chat_id] = TokenBucket(self.per_chat_per_second, self.per_chat_burst, now)
        return bucket

    def reserve(self, chat_id: int) -> float:
        now = self._clock()
        return max(self._chat_bucket(chat_id, now).reserve(now), self._global.reserve(now))

    async def acquire(self, chat_id: int) -> None:
        wait = self.reserve(chat_id)
        if wait > 0:
            await self._sleep(wait)

    def hold_all(self, seconds: float) -> None:
        self._global.close_for(seconds, self._clock())

    def tracked_chats(self) -> int:
        return len(self._chats)
