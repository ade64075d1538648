"""The HandoffQueue contract: one suite, run on the in-process queue (SQLite and PostgreSQL) and on Redis."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

from handoff.in_process_queue import InProcessQueue
from handoff.redis_streams_queue import RedisStreamsQueue
from intake_core.ports import ClaimedEntry, HandoffQueue, QueueEntry, QueuePolicy
from intake_core.storage.database import Database
from intake_core.storage.migrate import upgrade_async
from intake_core.storage.tables import outbox
from tests.support import fresh_postgres_database

REDIS_URL = os.environ.get("INTAKE_TEST_REDIS", "redis://127.0.0.1:6379/0")
START_REDIS = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
IDLE = 0.3
POLICY = QueuePolicy(idle_after=timedelta(seconds=IDLE), max_deliveries=3)
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@asynccontextmanager
async def redis_namespace() -> AsyncIterator[tuple[Redis, str]]:
    """The machine's Redis and a key prefix of this test only; its keys are deleted afterwards."""
    client = Redis.from_url(REDIS_URL, decode_responses=True, socket_connect_timeout=2)
    problem = None
    try:
        await client.ping()
    except (RedisConnectionError, OSError) as error:
        problem = str(error)
    if problem is not None:
        await client.aclose()
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({problem}). Start it with: {START_REDIS}",
                    pytrace=False)
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    try:
        yield client, prefix
    finally:
        keys = [key async for key in client.scan_iter(match="{" + prefix + ":*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@asynccontextmanager
async def migrated_database(url: str) -> AsyncIterator[Database]:
    await upgrade_async(url)
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()


class Harness:
    def __init__(self, database: Database, make_queue: Callable[[QueuePolicy], HandoffQueue]) -> None:
        self.database = database
        self._make_queue = make_queue
        self._queues: list[HandoffQueue] = []
        self.queue = self.queue_with(POLICY)

    def queue_with(self, policy: QueuePolicy) -> HandoffQueue:
        """Another queue object over the same store, with its own policy."""
        queue = self._make_queue(policy)
        self._queues.append(queue)
        return queue

    async def close(self) -> None:
        for queue in self._queues:
            await queue.close()

    async def entries(self, count: int, topic: str = "cases", case_ref: str | None = "TS-20261124-000001",
                      ) -> list[QueueEntry]:
        """Outbox rows written the way the core writes them, as the relay would publish them."""
        payloads = [{"event": "CaseRegistered", "tracking_no": case_ref, "n": n} for n in range(count)]
        async with self.database.unit_of_work() as repo:
            await repo.add_outbox([(topic, case_ref, payload) for payload in payloads], NOW)
            ids = (await repo.connection.scalars(
                select(outbox.c.id).order_by(outbox.c.id.desc()).limit(count))).all()
        return [QueueEntry(str(i), topic, p, case_ref) for i, p in zip(sorted(ids), payloads, strict=True)]

    async def published(self, count: int, topic: str = "cases") -> list[QueueEntry]:
        entries = await self.entries(count, topic)
        for entry in entries:
            assert await self.queue.publish(entry)
        return entries


@pytest.fixture(params=["in_process-sqlite", pytest.param("in_process-postgresql", marks=pytest.mark.postgres),
                        pytest.param("redis", marks=pytest.mark.redis)])
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    kind, _, storage = str(request.param).partition("-")
    async with _database(storage or "sqlite", tmp_path) as database:
        if kind == "in_process":
            built = Harness(database, lambda policy: InProcessQueue(database, policy, poll_interval=0.05))
            yield built
            await built.close()
            return
        async with redis_namespace() as (_client, prefix):
            built = Harness(database, lambda policy: RedisStreamsQueue.from_url(REDIS_URL, prefix, policy))
            try:
                yield built
            finally:
                await built.close()


@asynccontextmanager
async def _database(storage: str, tmp_path: Path) -> AsyncIterator[Database]:
    if storage == "postgresql":
        async with fresh_postgres_database() as url, migrated_database(url) as database:
            yield database
    else:
        async with migrated_database(f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}") as database:
            yield database


def ids(entries: list[ClaimedEntry]) -> list[str]:
    return [e.entry_id for e in entries]


async def test_published_entry_is_claimed_with_its_payload(harness: Harness) -> None:
    [entry] = await harness.published(1)
    [got] = await harness.queue.claim("cases", "agents", "agent-1")
    assert (got.entry_id, got.topic, dict(got.payload), got.case_ref) == \
        (entry.entry_id, "cases", dict(entry.payload), entry.case_ref)
    assert (got.pool, got.consumer, got.deliveries) == ("agents", "agent-1", 1)
    assert await harness.queue.claim("cases", "agents", "agent-2") == []


async def test_same_entry_id_published_twice_is_delivered_once(harness: Harness) -> None:
    [entry] = await harness.entries(1)
    outcomes = await asyncio.gather(*(harness.queue.publish(entry) for _ in range(5)))
    assert sorted(outcomes) == [False, False, False, False, True]
    assert not await harness.queue.publish(entry)
    assert ids(await harness.queue.claim("cases", "agents", "agent-1", count=10)) == [entry.entry_id]


async def test_entries_come_in_publication_order(harness: Harness) -> None:
    entries = await harness.published(12)
    first = await harness.queue.claim("cases", "agents", "agent-1", count=5)
    rest = await harness.queue.claim("cases", "agents", "agent-1", count=20)
    assert ids(first) + ids(rest) == [e.entry_id for e in entries]


async def test_two_consumers_never_receive_the_same_entry(harness: Harness) -> None:
    entries = await harness.published(40)
    patient = harness.queue_with(QueuePolicy(idle_after=timedelta(minutes=5)))  # no reclaim under load

    async def consume(consumer: str) -> list[str]:
        got: list[str] = []
        while batch := await patient.claim("cases", "agents", consumer, count=3):
            assert {item.deliveries for item in batch} == {1}
            got += ids(batch)
            for item in batch:
                await patient.acknowledge(item)
        return got

    results = await asyncio.gather(*(consume(f"agent-{n}") for n in range(6)))
    received = [entry_id for result in results for entry_id in result]
    assert len(received) == len(set(received))
    assert sorted(received, key=int) == [e.entry_id for e in entries]


async def test_entry_of_a_consumer_that_stops_is_reclaimed_after_the_idle_time(harness: Harness) -> None:
    [entry] = await harness.published(1)
    [held] = await harness.queue.claim("cases", "agents", "agent-1")  # agent-1 stops here
    assert await harness.queue.claim("cases", "agents", "agent-2") == []
    await asyncio.sleep(IDLE + 0.1)
    [taken] = await harness.queue.claim("cases", "agents", "agent-2")
    assert (taken.entry_id, taken.consumer, taken.deliveries) == (entry.entry_id, "agent-2", 2)
    assert taken.position == held.position
    await harness.queue.acknowledge(taken)
    await asyncio.sleep(IDLE + 0.1)
    assert await harness.queue.claim("cases", "agents", "agent-3") == []


async def test_reclaim_takes_only_idle_entries(harness: Harness) -> None:
    await harness.published(2)
    await harness.queue.claim("cases", "agents", "agent-1")
    assert await harness.queue.reclaim("cases", "agents", "agent-2", count=5) == []
    await asyncio.sleep(IDLE + 0.1)
    [taken] = await harness.queue.reclaim("cases", "agents", "agent-2", count=5)
    assert taken.deliveries == 2  # the second, never claimed entry is not touched by reclaim
    assert len(await harness.queue.claim("cases", "agents", "agent-2", count=5)) == 1


async def test_entry_goes_to_dead_letters_after_max_deliveries(harness: Harness) -> None:
    [entry] = await harness.published(1)
    for n in range(1, POLICY.max_deliveries + 1):
        [got] = await harness.queue.claim("cases", "agents", f"agent-{n}")
        assert got.deliveries == n
        await asyncio.sleep(IDLE + 0.1)
    assert await harness.queue.claim("cases", "agents", "agent-9") == []
    [dead] = await harness.queue.dead_letters("cases", "agents")
    assert (dead.entry_id, dict(dead.payload), dead.case_ref, dead.pool, dead.deliveries) == \
        (entry.entry_id, dict(entry.payload), entry.case_ref, "agents", POLICY.max_deliveries)
    assert await harness.queue.dead_letters("cases", "supervisors") == []
    await asyncio.sleep(IDLE + 0.1)
    assert await harness.queue.claim("cases", "agents", "agent-10") == []


async def test_acknowledged_entries_are_not_redelivered(harness: Harness) -> None:
    await harness.published(2)
    batch = await harness.queue.claim("cases", "agents", "agent-1", count=2)
    for item in batch:
        await harness.queue.acknowledge(item)
        await harness.queue.acknowledge(item)  # twice is harmless
    await asyncio.sleep(IDLE + 0.1)
    assert await harness.queue.claim("cases", "agents", "agent-2", count=5) == []
    assert await harness.queue.dead_letters("cases", "agents") == []


async def test_every_pool_gets_every_entry_and_topics_stay_apart(harness: Harness) -> None:
    [case] = await harness.published(1, topic="cases")
    [escalation] = await harness.published(1, topic="escalations")
    assert ids(await harness.queue.claim("cases", "agents", "a-1", count=5)) == [case.entry_id]
    assert ids(await harness.queue.claim("cases", "supervisors", "s-1", count=5)) == [case.entry_id]
    assert ids(await harness.queue.claim("escalations", "supervisors", "s-1", count=5)) == [escalation.entry_id]
    assert await harness.queue.claim("handoff", "agents", "a-1") == []


async def test_claim_waits_for_a_publication(harness: Harness) -> None:
    [entry] = await harness.entries(1)
    waiting = asyncio.create_task(harness.queue.claim("cases", "agents", "agent-1", wait=3.0))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await harness.queue.publish(entry)
    assert ids(await asyncio.wait_for(waiting, 3.0)) == [entry.entry_id]


async def test_trim_removes_only_what_every_pool_has_acknowledged(harness: Harness) -> None:
    entries = await harness.published(4)
    queue = harness.queue
    for item in await queue.claim("cases", "desk", "agent-1", count=4):
        await queue.acknowledge(item)
    first, second, third = await queue.claim("cases", "supervisors", "lead-1", count=3)
    await queue.acknowledge(first)
    await queue.acknowledge(second)
    assert await queue.trim("cases", ["desk", "supervisors"], keep=timedelta(hours=1)) == 0  # too recent
    assert await queue.trim("cases", ["desk", "supervisors", "auditors"], keep=timedelta(0)) == 0  # not begun
    assert await queue.trim("cases", ["desk", "supervisors"], keep=timedelta(0)) == 2
    # A pool that begins now sees what is still kept: the entry the supervisors hold, and the one after.
    assert ids(await queue.claim("cases", "auditors", "auditor-1", count=10)) == [e.entry_id for e in entries[2:]]
    await asyncio.sleep(IDLE + 0.1)
    assert ids(await queue.claim("cases", "supervisors", "lead-2", count=10)) == [third.entry_id, entries[3].entry_id]


async def test_trim_keeps_dead_letters(harness: Harness) -> None:
    [entry] = await harness.published(1)
    for _ in range(POLICY.max_deliveries + 1):
        await harness.queue.claim("cases", "desk", "agent-1")
        await asyncio.sleep(IDLE + 0.1)
    assert await harness.queue.claim("cases", "desk", "agent-1") == []
    await harness.queue.trim("cases", ["desk"], keep=timedelta(0))
    assert [letter.entry_id for letter in await harness.queue.dead_letters("cases", "desk")] == [entry.entry_id]
