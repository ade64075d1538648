"""Telegram webhook updates/s end to end (secret check, update stored, dialogue turn, reply sent to a fake
Bot API on loopback) against a bare endpoint that parses the same JSON; same load generator, same run.

The bot's send limiter is raised for this run: the fake Bot API has no limit, and the real one (about 30
messages/s) would measure Telegram rather than this service."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.benchmarks.http_load import LoadResult, bare_server, intake_server, load, side_by_side
from tests.benchmarks.results import save
from tests.fake_bot_api import TOKEN, FakeBotApi, UpdateBuilder

SECRET = "bench-secret"
BLOCK = 500
CHATS = 400


RequestBuilder = Callable[[httpx.AsyncClient], httpx.Request]


def webhook_requests(builder: UpdateBuilder, first: int, count: int) -> list[RequestBuilder]:
    texts = ["你好", "我要举报", "诈骗", "https://scam.example.cn/pay", "对方冒充客服骗取验证码", "昨天下午三点"]
    requests = []
    for i in range(first, first + count):
        body = json.dumps(builder.text(10_000 + i % CHATS, texts[(i // CHATS) % len(texts)])).encode()

        def build(client: httpx.AsyncClient, body: bytes = body) -> httpx.Request:
            return client.build_request("POST", "/webhooks/telegram", content=body, headers={
                "content-type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET})
        requests.append(build)
    return requests


async def measure(total: int, concurrency: int) -> dict[str, float]:
    builder = UpdateBuilder()
    ours: list[LoadResult] = []
    bare: list[LoadResult] = []
    async with FakeBotApi() as bot_api:
        with tempfile.TemporaryDirectory() as tmp:
            settings = {"telegram_token": TOKEN, "telegram_webhook_secret": SECRET,
                        "telegram_api_base": bot_api.base_url, "public_url": "http://127.0.0.1",
                        "telegram_send_rate": "10000"}
            async with intake_server(Path(tmp), **settings) as service, bare_server() as plain:
                await load(service, webhook_requests(builder, 0, 50), concurrency)  # warm up both
                await load(plain, webhook_requests(builder, 0, 50), concurrency)
                for first in range(0, total, BLOCK):
                    count = min(BLOCK, total - first)
                    ours.append(await load(service, webhook_requests(builder, first, count), concurrency))
                    bare.append(await load(plain, webhook_requests(builder, first, count), concurrency))
        sent = len(bot_api.sent)
    return {"updates": total, **side_by_side(ours, bare, "webhook_per_s"), "replies_sent": sent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    result = asyncio.run(measure(args.updates, args.concurrency))
    print(f"telegram/webhook {result['webhook_per_s']:7.0f} updates/s   bare endpoint {result['bare_per_s']:7.0f} /s"
          f"   ratio {result['ratio']:.2f}   p50 {result['p50_ms']:.1f} ms   p99 {result['p99_ms']:.1f} ms"
          f"   failures {result['failures']}   replies {result['replies_sent']}", flush=True)
    save("telegram", result)


if __name__ == "__main__":
    main()
