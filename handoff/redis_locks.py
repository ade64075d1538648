"""Per-conversation locks across app replicas, on Redis (redis-py's Lock: SET NX PX plus a token).

The lock expires on its own after `ttl`, so a crashed replica never blocks a conversation for long;
a turn that runs longer than `ttl` keeps its lock because it is extended while the turn runs."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError
from redis.exceptions import TimeoutError as RedisTimeoutError

from intake_core.errors import StorageUnavailable

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ConversationBusy(StorageUnavailable):
    """Another replica held the conversation for longer than a turn may wait: try again shortly."""

    code = "conversation_busy"


class RedisConversationLocks:
    def __init__(self, client: Redis, prefix: str = "intake", ttl: float = 10.0, wait: float = 12.0) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl = ttl
        self.wait = wait

    def key(self, conversation_key: str) -> str:
        # Hashed: keys of the lock store carry no channel addresses.
        return f"{self.prefix}:lock:{hashlib.sha256(conversation_key.encode()).hexdigest()[:32]}"

    @asynccontextmanager
    async def hold(self, conversation_key: str) -> AsyncIterator[None]:
        lock = Lock(self.client, self.key(conversation_key), timeout=self.ttl, sleep=0.01,
                    blocking_timeout=self.wait)
        try:
            acquired = await lock.acquire()
        except _UNREACHABLE as error:
            # Refuse rather than run unlocked: the channel answers 503/451 and its sender retries.
            raise StorageUnavailable("the conversation lock store is unreachable") from error
        if not acquired:
            raise ConversationBusy("the conversation is busy; try again shortly")
        keeper = asyncio.create_task(self._keep(lock))
        try:
            yield
        finally:
            keeper.cancel()
            # The turn is done and stored: losing Redis now only leaves the lock to expire on its own.
            with contextlib.suppress(asyncio.CancelledError, *_UNREACHABLE):
                await keeper
            with contextlib.suppress(LockError, *_UNREACHABLE):  # expired meanwhile, or Redis is gone
                await lock.release()

    async def _keep(self, lock: Lock) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            await lock.reacquire()
