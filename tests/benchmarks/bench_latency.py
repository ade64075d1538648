"""Latency under load: the web chat path of `intake serve` (its own process) first at full load to find
its peak, then at half that rate with arrivals paced by the clock (an open loop, as citizens arrive),
from this separate process. Prints p50/p99 of the paced run; the goal is p99 < 50 ms."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.benchmarks.http_load import intake_server, load
from tests.benchmarks.results import latency_ms, save

RequestBuilder = Callable[[httpx.AsyncClient], httpx.Request]
TEXTS = ["你好", "我要举报", "诈骗", "https://scam.example.cn/pay", "冒充客服骗取验证码", "昨天下午三点"]


def chat(n: int) -> RequestBuilder:
    body = {"conversation_id": f"latency-{n % 500:05d}", "text": TEXTS[(n // 500) % len(TEXTS)],
            "message_id": f"m{n:09d}"}

    def build(client: httpx.AsyncClient) -> httpx.Request:
        return client.build_request("POST", "/api/v1/web/messages", json=body)
    return build


async def paced(url: str, rate: float, seconds: float, first: int) -> list[float]:
    latencies: list[float] = []

    async def one(client: httpx.AsyncClient, n: int) -> None:
        started = time.perf_counter()
        response = await client.send(chat(n)(client))
        if response.is_success:
            latencies.append(time.perf_counter() - started)

    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        tasks = []
        start = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client, first + i)))
        await asyncio.gather(*tasks)
    return sorted(latencies)


async def measure(seconds: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        async with intake_server(Path(tmp)) as service:
            await load(service, [chat(n) for n in range(100)], 16)  # warm up
            peak = (await load(service, [chat(n) for n in range(100, 1300)], 16)).per_second
            latencies = await paced(service, peak / 2, seconds, 10_000)
    return {"peak_per_s": peak, "paced_per_s": peak / 2, "requests": len(latencies), **latency_ms(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    result = asyncio.run(measure(args.seconds))
    print(f"latency/web     peak {result['peak_per_s']:.0f} req/s; at {result['paced_per_s']:.0f} req/s (50 %): "
          f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms (goal p99 < 50 ms)", flush=True)
    save("latency", result)


if __name__ == "__main__":
    main()
