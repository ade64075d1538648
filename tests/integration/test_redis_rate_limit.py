"""The Redis request limiter: one count for every replica, a new count each window, and requests go
ahead when Redis cannot be reached."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from handoff.redis_rate_limit import RedisLimiter
from tests.integration.test_handoff_queue_contract import redis_namespace


async def test_replicas_share_one_count_per_client_and_window() -> None:
    async with redis_namespace() as (client, prefix):
        replicas = [RedisLimiter(client, prefix=f"{{{prefix}:}}", window=2) for _ in range(2)]
        # Start right after a window boundary, so that the five requests fall in one window.
        await asyncio.sleep(2 - time.time() % 2 + 0.01)
        answers = [await replicas[n % 2].allow("submit", "client-a", 4) for n in range(5)]
        assert answers[:4] == [None] * 4 and answers[4] is not None and 0 < answers[4] <= 2
        assert await replicas[0].allow("submit", "client-b", 4) is None
        await asyncio.sleep(answers[4] + 0.05)
        assert await replicas[1].allow("submit", "client-a", 4) is None


async def test_requests_go_ahead_when_redis_is_unreachable() -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        limiter = RedisLimiter(unreachable)
        assert [await limiter.allow("submit", "client-a", 1) for _ in range(3)] == [None, None, None]
    finally:
        await unreachable.aclose()

