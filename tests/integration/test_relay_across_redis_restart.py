"""The outbox relay while the Redis server itself stops and starts again, under a stream of new cases."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from config.wiring import Container
from handoff.backoff import Backoff
from handoff.outbox_relay import OutboxRelay
from handoff.redis_streams_queue import RedisStreamsQueue
from tests.integration.test_outbox_relay import report, until
from tests.private_redis import PrivateRedis

CASES = 1000


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.mark.redis
async def test_every_case_reaches_the_queue_exactly_once_across_a_redis_restart(
        sqlite_container: Container, private_redis: PrivateRedis) -> None:
    container = sqlite_container
    queue = RedisStreamsQueue.from_url(private_redis.url, "restart", connect_timeout=0.5, socket_timeout=1.0)
    relay = OutboxRelay(container.database, queue, container.service.clock, batch_size=50, poll_interval=0.02,
                        backoff=Backoff(initial=0.05, maximum=0.3))
    relay.start()
    submitted: list[str] = []

    async def submit(first: int, last: int) -> None:
        for n in range(first, last):
            submitted.append((await container.service.submit(report(n))).tracking_no)

    await submit(0, 300)

    async def some_published() -> bool:
        return relay.published >= 100
    await until(some_published, 30)
    private_redis.stop()  # mid-relay: intake goes on while Redis is down
    await submit(300, 700)

    async def failing() -> bool:
        return relay.failures >= 2
    await until(failing, 30)
    private_redis.start()
    await submit(700, CASES)

    async def all_out() -> bool:
        return relay.published == CASES and relay.failures == 0
    await until(all_out, 120)
    await relay.stop()
    await queue.close()

    client = Redis.from_url(private_redis.url, decode_responses=True)
    try:
        entries = await client.xrange(queue.keys("cases").stream)
    finally:
        await client.aclose()
    counted = Counter(fields["case_ref"] for _id, fields in entries)
    assert len(submitted) == CASES
    assert set(counted) == set(submitted) and set(counted.values()) == {1}  # every case, exactly once
