"""The production handoff queue: one Redis stream per topic, one consumer group per agent pool.

publish    -> a script: XADD unless the entry id was published before (see redis_scripts)
claim      -> reclaim first, then XREADGROUP ... > for new entries
reclaim    -> a script: XPENDING IDLE, dead letters after N deliveries, XAUTOCLAIM of the rest
acknowledge-> XACK, called by the consumer once its claiming state change is committed
trim       -> XTRIM MINID below the oldest entry some consumer group still needs
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any, NamedTuple

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from handoff.redis_scripts import PUBLISH, RECLAIM, TopicKeys
from intake_core.ports import ClaimedEntry, DeadLetter, QueueEntry, QueuePolicy, QueueUnavailable

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisStreamsQueue:
    def __init__(self, client: Redis, prefix: str = "intake", policy: QueuePolicy | None = None,
                 dedup_window: timedelta = timedelta(days=30), max_wait: float = 4.0) -> None:
        """`client` must decode responses. `dedup_window`: how long a published entry id is
        remembered (a relay re-publishes within seconds; the window only bounds memory).
        `max_wait`: the longest blocking read, kept below the client's socket timeout."""
        self.client = client
        self.prefix = prefix
        self.policy = policy or QueuePolicy()
        self.dedup_seconds = max(1, int(dedup_window.total_seconds()))
        self.max_wait = max_wait
        self._publish = client.register_script(PUBLISH)
        self._reclaim = client.register_script(RECLAIM)
        self._groups: set[tuple[str, str]] = set()

    @classmethod
    def from_url(cls, url: str, prefix: str = "intake", policy: QueuePolicy | None = None,
                 connect_timeout: float = 2.0, socket_timeout: float = 5.0) -> RedisStreamsQueue:
        """Fails fast when Redis is down (the relay backs off on its own) instead of retrying for long."""
        client = Redis.from_url(url, decode_responses=True, socket_connect_timeout=connect_timeout,
                                socket_timeout=socket_timeout,
                                retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2))
        return cls(client, prefix=prefix, policy=policy, max_wait=max(0.0, socket_timeout - 1.0))

    def keys(self, topic: str) -> TopicKeys:
        return TopicKeys(self.prefix, topic)

    async def publish(self, entry: QueueEntry) -> bool:
        keys = self.keys(entry.topic)
        payload = json.dumps(dict(entry.payload), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        added, _stream_id = await _reachable(lambda: self._publish(
            keys=[keys.stream, keys.published(entry.entry_id)],
            args=[entry.entry_id, entry.case_ref or "", payload, self.dedup_seconds]))
        return bool(int(added))

    async def claim(self, topic: str, pool: str, consumer: str, count: int = 1,
                    wait: float = 0.0) -> list[ClaimedEntry]:
        entries = await self.reclaim(topic, pool, consumer, count)
        if len(entries) >= count:
            return entries
        block = int(min(wait, self.max_wait) * 1000) if wait > 0 and not entries else None
        stream = self.keys(topic).stream
        response = await self._in_group(topic, pool, lambda: self.client.xreadgroup(
            pool, consumer, {stream: ">"}, count=count - len(entries), block=block))
        for _stream, messages in response or []:
            entries += [_claimed(topic, pool, consumer, stream_id, fields, 1)
                        for stream_id, fields in messages if fields]
        return entries

    async def reclaim(self, topic: str, pool: str, consumer: str, count: int = 1) -> list[ClaimedEntry]:
        if count < 1:
            raise ValueError("count must be at least 1")
        keys = self.keys(topic)
        idle_ms = max(1, int(self.policy.idle_after.total_seconds() * 1000))
        rows = await self._in_group(topic, pool, lambda: self._reclaim(
            keys=[keys.stream, keys.dead(pool)],
            args=[pool, consumer, idle_ms, count, self.policy.max_deliveries]))
        return [_claimed(topic, pool, consumer, stream_id, fields, int(deliveries))
                for stream_id, fields, deliveries in rows]

    async def acknowledge(self, entry: ClaimedEntry) -> None:
        await _reachable(lambda: self.client.xack(self.keys(entry.topic).stream, entry.pool, entry.position))

    async def dead_letters(self, topic: str, pool: str, limit: int = 100) -> list[DeadLetter]:
        messages = await _reachable(lambda: self.client.xrange(self.keys(topic).dead(pool), count=limit))
        letters = []
        for _dead_id, fields in messages:
            body = _decoded(fields)
            letters.append(DeadLetter(entry_id=body.entry_id, topic=topic, payload=body.payload,
                                      case_ref=body.case_ref, pool=pool, position=fields["stream_id"],
                                      deliveries=int(fields["deliveries"])))
        return letters

    async def trim(self, topic: str, pools: Sequence[str], keep: timedelta) -> int:
        stream = self.keys(topic).stream
        try:
            groups = await _reachable(lambda: self.client.xinfo_groups(stream))
        except ResponseError:
            return 0  # no such stream yet
        by_name = {group["name"]: group for group in groups}
        if not pools or any(pool not in by_name for pool in pools):
            return 0
        # Every group's oldest pending entry, or the entry after the last it was given; and the horizon.
        bounds = []
        for name, group in by_name.items():
            pending = await _reachable(partial(self.client.xpending, stream, name))
            bounds.append(_stream_id(pending["min"]) if pending["pending"] else
                          _after(_stream_id(group["last-delivered-id"])))
        seconds, microseconds = await _reachable(self.client.time)  # entry ids carry the server's clock
        bounds.append((seconds * 1000 + microseconds // 1000 - int(keep.total_seconds() * 1000), 0))
        # Removes only entries below the bound: acknowledgements and new entries meanwhile only raise it.
        low = min(bounds)
        return int(await _reachable(lambda: self.client.xtrim(stream, minid=f"{low[0]}-{low[1]}",
                                                              approximate=False)))

    async def ping(self) -> bool:
        try:
            return bool(await self.client.ping())
        except _UNREACHABLE:
            return False

    async def close(self) -> None:
        await self.client.aclose()

    async def _in_group(self, topic: str, pool: str, command: Callable[[], Awaitable[Any]]) -> Any:
        """Runs a command that needs the pool's consumer group, creating the group when missing."""
        if (topic, pool) not in self._groups:
            await self._create_group(topic, pool)
        try:
            return await _reachable(command)
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            await self._create_group(topic, pool)  # the stream was deleted meanwhile
            return await _reachable(command)

    async def _create_group(self, topic: str, pool: str) -> None:
        """A new pool starts at the beginning of the stream: it sees every entry still kept."""
        try:
            await _reachable(lambda: self.client.xgroup_create(self.keys(topic).stream, pool, id="0", mkstream=True))
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise
        self._groups.add((topic, pool))


async def _reachable(command: Callable[[], Awaitable[Any]]) -> Any:
    """Runs one Redis command; its reply is untyped (redis-py's stubs do not know decode_responses)."""
    try:
        return await command()
    except _UNREACHABLE as error:
        raise QueueUnavailable(f"Redis is unreachable ({type(error).__name__})") from error


def _stream_id(text: str) -> tuple[int, int]:
    milliseconds, _, sequence = text.partition("-")
    return int(milliseconds), int(sequence or 0)


def _after(stream_id: tuple[int, int]) -> tuple[int, int]:
    return stream_id[0], stream_id[1] + 1


class _Body(NamedTuple):
    entry_id: str
    case_ref: str | None
    payload: dict[str, Any]


def _decoded(fields: Mapping[str, str] | Sequence[str]) -> _Body:
    if not isinstance(fields, Mapping):  # scripts return flat [field, value, ...] lists
        fields = dict(zip(fields[::2], fields[1::2], strict=True))
    return _Body(fields["entry_id"], fields.get("case_ref") or None, json.loads(fields["payload"]))


def _claimed(topic: str, pool: str, consumer: str, stream_id: str, fields: Mapping[str, str] | Sequence[str],
             deliveries: int) -> ClaimedEntry:
    body = _decoded(fields)
    return ClaimedEntry(entry_id=body.entry_id, topic=topic, payload=body.payload, case_ref=body.case_ref,
                        pool=pool, consumer=consumer, position=stream_id, deliveries=deliveries)
