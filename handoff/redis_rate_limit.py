"""Per-client request limits shared by every replica: one Redis counter per client, kind and window.

If Redis cannot be reached the request goes ahead: taking complaints matters more than throttling."""

from __future__ import annotations

import logging
import time

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)


class RedisLimiter:
    def __init__(self, client: Redis, prefix: str = "intake", window: int = 60) -> None:
        self.client = client
        self.prefix = prefix
        self.window = window

    async def allow(self, scope: str, client: str, limit: int) -> float | None:
        now = time.time()
        index = int(now // self.window)
        key = f"{self.prefix}:rate:{scope}:{client}:{index}"
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, self.window * 2)
                count, _ = await pipe.execute()
        except (RedisConnectionError, RedisTimeoutError, OSError) as error:
            log.warning("request limits unavailable, request allowed", extra={"error": type(error).__name__})
            return None
        return None if int(count) <= limit else (index + 1) * self.window - now
