"""Per-conversation locks, in-process and on the machine's Redis: one conversation's messages never
interleave, different conversations run side by side, and an unreachable lock store refuses cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from handoff.redis_locks import RedisConversationLocks
from intake_core.errors import StorageUnavailable
from intake_core.locks import InProcessLocks
from intake_core.ports import ConversationLocks
from tests.integration.test_handoff_queue_contract import redis_namespace
from tests.private_redis import PrivateRedis


@pytest.fixture(params=["in-process", "redis"])
async def locks(request: pytest.FixtureRequest) -> AsyncIterator[ConversationLocks]:
    if request.param == "in-process":
        yield InProcessLocks()
        return
    async with redis_namespace() as (_client, prefix):
        client = Redis.from_url("redis://127.0.0.1:6379/0")
        yield RedisConversationLocks(client, prefix="{" + prefix, ttl=2.0)
        await client.aclose()


async def turn(locks: ConversationLocks, key: str, log: list[str], name: str) -> None:
    async with locks.hold(key):
        log.append(f"{name} starts")
        await asyncio.sleep(0.05)  # a turn that awaits the database or the dialogue
        log.append(f"{name} ends")


async def test_messages_of_one_conversation_take_turns(locks: ConversationLocks) -> None:
    log: list[str] = []
    await asyncio.gather(*(turn(locks, "web:same", log, f"m{n}") for n in range(4)))
    assert all(log[i].split()[0] == log[i + 1].split()[0] for i in range(0, len(log), 2))  # never interleaved


async def test_different_conversations_run_side_by_side(locks: ConversationLocks) -> None:
    log: list[str] = []
    await asyncio.gather(*(turn(locks, f"web:c{n}", log, f"c{n}") for n in range(4)))
    assert [entry.split()[1] for entry in log[:4]] == ["starts"] * 4


@pytest.mark.redis
async def test_a_turn_longer_than_the_lock_lifetime_keeps_its_lock() -> None:
    async with redis_namespace() as (_client, prefix):
        client = Redis.from_url("redis://127.0.0.1:6379/0")
        locks = RedisConversationLocks(client, prefix="{" + prefix, ttl=0.3, wait=5)
        log: list[str] = []

        async def long_turn() -> None:
            async with locks.hold("web:long"):
                log.append("long starts")
                await asyncio.sleep(1.0)  # three lifetimes of the lock
                log.append("long ends")

        first = asyncio.create_task(long_turn())
        await asyncio.sleep(0.1)
        await turn(locks, "web:long", log, "short")
        await first
        await client.aclose()
    assert log == ["long starts", "long ends", "short starts", "short ends"]


@pytest.mark.redis
async def test_an_unreachable_lock_store_refuses_the_turn() -> None:
    client = Redis.from_url("redis://127.0.0.1:6390/0", socket_connect_timeout=0.2)  # nothing listens there
    locks = RedisConversationLocks(client)
    with pytest.raises(StorageUnavailable):
        async with locks.hold("web:any"):
            pytest.fail("ran without the lock")
    await client.aclose()


@pytest.mark.redis
async def test_losing_redis_after_the_turn_does_not_fail_the_turn(tmp_path: Path) -> None:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    client = Redis.from_url(server.url, socket_connect_timeout=0.2, socket_timeout=0.5)
    locks = RedisConversationLocks(client, ttl=2.0)
    try:
        async with locks.hold("web:any"):
            server.stop()  # the message is stored; Redis goes away before the lock is released
    finally:
        server.stop()
        await client.aclose()
