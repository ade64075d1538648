"""The outbox relay against the machine's Redis, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from config.wiring import Container
from handoff.backoff import Backoff
from handoff.in_process_queue import InProcessQueue
from handoff.outbox_relay import OutboxRelay, entry_from_outbox_row
from handoff.redis_streams_queue import RedisStreamsQueue
from intake_core.model import IntakeDraft, Kind, TargetType
from intake_core.storage.tables import outbox
from tests.integration.test_handoff_queue_contract import REDIS_URL, redis_namespace

CLOSED_PORT = "redis://127.0.0.1:6390/0"  # nothing listens here: Redis "down"
FAST = Backoff(initial=0.05, maximum=0.2)


def report(n: int, **changes: object) -> IntakeDraft:
    values: dict[str, object] = dict(
        kind=Kind.REPORT, category="fraud", description=f"这个网站冒充银行骗取验证码 {n}", channel="web",
        target=f"https://fake-bank-{n}.example.com/login", target_type=TargetType.URL,
        occurred_at=datetime(2026, 11, 23, 7, 0, tzinfo=UTC), anonymous=True)
    values.update(changes)
    return IntakeDraft(**values)  # type: ignore[arg-type]


@pytest.fixture
async def redis() -> AsyncIterator[tuple[Redis, str]]:
    async with redis_namespace() as namespace:
        yield namespace


async def outbox_rows(container: Container) -> list[tuple[int, str, str | None, bool]]:
    async with container.database.connect() as connection:
        rows = await connection.execute(select(outbox).order_by(outbox.c.id))
        return [(r.id, r.topic, r.case_ref, r.published_at is not None) for r in rows]


async def stream_entries(client: Redis, queue: RedisStreamsQueue, topic: str) -> list[tuple[str, str]]:
    """(entry id, case ref) of every entry of a topic's stream, in stream order."""
    messages: list[tuple[str, dict[str, str]]] = await client.xrange(queue.keys(topic).stream)  # type: ignore[assignment]
    return [(fields["entry_id"], fields["case_ref"]) for _id, fields in messages]


async def until(condition: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.mark.redis
async def test_submitted_cases_reach_the_queue_once(container: Container, redis: tuple[Redis, str]) -> None:
    client, prefix = redis
    queue = RedisStreamsQueue.from_url(REDIS_URL, prefix)
    relay = OutboxRelay(container.database, queue, container.service.clock, poll_interval=0.05)
    try:
        relay.start()
        numbers = [(await container.service.submit(report(n))).tracking_no for n in range(3)]
        p1 = await container.service.submit(report(
            9, category="violent_terrorism", description="有人在群里说明天要在车站放炸弹"))
        relay.notify()

        async def all_published() -> bool:
            return all(published for *_, published in await outbox_rows(container))
        await until(all_published)
        assert relay.published == 5 and await relay.publish_pending() == 0
        cases = await stream_entries(client, queue, "cases")
        assert [ref for _, ref in cases] == [*numbers, p1.tracking_no]
        assert [ref for _, ref in await stream_entries(client, queue, "escalations")] == [p1.tracking_no]
        [claimed] = await queue.claim("escalations", "supervisors", "supervisor-1")
        assert claimed.payload["tracking_no"] == p1.tracking_no and claimed.payload["event"] == "CaseEscalated"
    finally:
        await relay.stop()
        await queue.close()
    assert not relay.running


@pytest.mark.redis
async def test_rows_wait_while_redis_is_down_and_go_out_once_in_case_order(
        container: Container, redis: tuple[Redis, str]) -> None:
    client, prefix = redis
    down = RedisStreamsQueue.from_url(CLOSED_PORT, prefix)
    waiting = OutboxRelay(container.database, down, container.service.clock, poll_interval=0.05,
                          backoff=Backoff(initial=0.05, maximum=0.2))
    waiting.start()
    numbers = []
    for n in range(4):  # intake goes on while the queue is unreachable
        number = (await container.service.submit(report(n))).tracking_no
        numbers.append(number)
    for number in numbers:  # more rows per case, interleaved between cases
        await container.service.transition(number, "assigned", actor="agent:1", reason="claimed")
    for number in reversed(numbers):
        await container.service.transition(number, "investigating", actor="agent:1", reason="started")

    async def backing_off() -> bool:
        return waiting.failures >= 3
    await until(backing_off)
    assert waiting.running and waiting.published == 0
    rows = await outbox_rows(container)
    assert len(rows) == 12 and not any(published for *_, published in rows)
    await asyncio.wait_for(waiting.stop(), 5.0)  # stops cleanly while backing off
    await down.close()

    live = RedisStreamsQueue.from_url(REDIS_URL, prefix)
    async with container.database.connect() as connection:  # a crash between publish and mark:
        first = (await connection.execute(select(outbox).order_by(outbox.c.id).limit(2))).all()
    for row in first:
        assert await live.publish(entry_from_outbox_row(row))
    relay = OutboxRelay(container.database, live, container.service.clock, poll_interval=0.05, backoff=FAST)
    relay.start()
    try:
        async def all_published() -> bool:
            return all(published for *_, published in await outbox_rows(container))
        await until(all_published)
    finally:
        await relay.stop()
    entries = await stream_entries(client, live, "cases")
    assert sorted(int(entry_id) for entry_id, _ in entries) == [row_id for row_id, *_ in rows]  # once each
    for number in numbers:
        of_case = [int(entry_id) for entry_id, ref in entries if ref == number]
        assert len(of_case) == 3 and of_case == sorted(of_case)
    batch = await live.claim("cases", "agents", "agent-1", count=20)
    assert [e.entry_id for e in batch] == [entry_id for entry_id, _ in entries]
    await live.close()


async def test_relay_feeds_the_in_process_queue(container: Container) -> None:
    queue = InProcessQueue(container.database)
    relay = OutboxRelay(container.database, queue, container.service.clock)
    number = (await container.service.submit(report(1))).tracking_no
    assert await relay.publish_pending() == 1
    assert await relay.publish_pending() == 0
    [claimed] = await queue.claim("cases", "agents", "agent-1")
    assert claimed.case_ref == number and claimed.payload["event"] == "CaseRegistered"
