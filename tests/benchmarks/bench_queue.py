"""Handoff queue round trips (publish, claim, acknowledge) through RedisStreamsQueue vs a raw redis-py
XADD / XREADGROUP / XACK loop, over the same Redis, in alternating blocks of the same run.

Our path adds what the raw loop lacks: idempotent publication (a script that remembers entry ids),
JSON payloads, reclaiming idle entries before reading new ones, and dead letters."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid

from redis.asyncio import Redis

from handoff.redis_streams_queue import RedisStreamsQueue
from intake_core.ports import QueueEntry
from tests.benchmarks.results import save

BLOCK = 500
REDIS_URL = "redis://127.0.0.1:6379/0"



def payload(i: int) -> dict[str, object]:
    return {"event": "CaseRegistered", "tracking_no": f"TS-20261127-{i:06d}", "kind": "report",
            "category": "fraud", "priority": "P3", "channel": "web", "answer_by": "2026-12-08T10:00:00+08:00",
            "cluster_id": None, "anonymous": True}


async def ours(queue: RedisStreamsQueue, first: int, count: int) -> None:
    for i in range(first, first + count):
        await queue.publish(QueueEntry(str(i), "cases", payload(i), case_ref=f"TS-20261127-{i:06d}"))
        (entry,) = await queue.claim("cases", "desk", "bench")
        await queue.acknowledge(entry)


async def raw(client: Redis, stream: str, first: int, count: int) -> None:
    for i in range(first, first + count):
        body = json.dumps(payload(i), separators=(",", ":"))
        await client.xadd(stream, {"entry_id": str(i), "payload": body})
        response = await client.xreadgroup("desk", "bench", {stream: ">"}, count=1)
        stream_id = response[0][1][0][0]
        await client.xack(stream, "desk", stream_id)


async def run(total: int) -> dict[str, float]:
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    queue = RedisStreamsQueue.from_url(REDIS_URL, prefix)
    client = Redis.from_url(REDIS_URL, decode_responses=True)
    stream = f"{prefix}:raw"
    await client.xgroup_create(stream, "desk", id="0", mkstream=True)
    spent_ours = spent_raw = 0.0
    try:
        for first in range(0, total, BLOCK):
            count = min(BLOCK, total - first)
            started = time.perf_counter()
            await ours(queue, first, count)
            spent_ours += time.perf_counter() - started
            started = time.perf_counter()
            await raw(client, stream, first, count)
            spent_raw += time.perf_counter() - started
    finally:
        keys = [key async for key in client.scan_iter(match=f"*{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        await queue.close()
    return {"round_trips": total, "queue_per_s": total / spent_ours, "raw_redis_per_s": total / spent_raw,
            "ratio": spent_raw / spent_ours}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--round-trips", type=int, default=5000)
    args = parser.parse_args()
    result = asyncio.run(run(args.round_trips))
    print(f"queue/redis     {result['queue_per_s']:8.0f} round trips/s   raw redis-py "
          f"{result['raw_redis_per_s']:8.0f} /s   ratio {result['ratio']:.2f}", flush=True)
    save("queue", result)


if __name__ == "__main__":
    main()
