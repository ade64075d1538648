"""SMS webhooks/s end to end (Twilio signature check, message stored, dialogue turn, TwiML reply) against
a bare endpoint that parses the same form, same load generator, same run; servers in their own processes."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

from tests.benchmarks.http_load import LoadResult, bare_server, free_port, intake_server, load, side_by_side
from tests.benchmarks.results import save

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "bench-auth-token"
FROM_NUMBER = "+8610100000000"
BLOCK = 500
SENDERS = 400
TEXTS = ["你好", "我要投诉", "服务态度", "某某快递公司", "快递员态度恶劣还把包裹扔在门口", "昨天下午三点"]

RequestBuilder = Callable[[httpx.AsyncClient], httpx.Request]


def sms_requests(public_url: str, first: int, count: int) -> list[RequestBuilder]:
    validator = RequestValidator(AUTH_TOKEN)
    url = f"{public_url}/webhooks/twilio/sms"
    requests = []
    for i in range(first, first + count):
        form = {"MessageSid": f"SM{i:032x}", "AccountSid": ACCOUNT_SID, "From": f"+86138{i % SENDERS:08d}",
                "To": FROM_NUMBER, "Body": TEXTS[(i // SENDERS) % len(TEXTS)], "NumMedia": "0"}
        body = urlencode(form)
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form),
                   "Content-Type": "application/x-www-form-urlencoded"}

        def build(client: httpx.AsyncClient, body: str = body, headers: dict[str, str] = headers) -> httpx.Request:
            return client.build_request("POST", "/webhooks/twilio/sms", content=body, headers=headers)
        requests.append(build)
    return requests


async def measure(total: int, concurrency: int) -> dict[str, float]:
    ours: list[LoadResult] = []
    bare: list[LoadResult] = []
    port = free_port()
    public_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        settings = {"http_port": str(port), "public_url": public_url, "twilio_account_sid": ACCOUNT_SID,
                    "twilio_auth_token": AUTH_TOKEN, "twilio_from_number": FROM_NUMBER}
        async with intake_server(Path(tmp), **settings) as service, bare_server() as plain:
            warm = sms_requests(public_url, 10**6, 50)
            await load(service, warm, concurrency)
            await load(plain, warm, concurrency)
            for first in range(0, total, BLOCK):
                batch = sms_requests(public_url, first, min(BLOCK, total - first))
                ours.append(await load(service, batch, concurrency))
                bare.append(await load(plain, batch, concurrency))
    return {"messages": total, **side_by_side(ours, bare, "sms_per_s")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    result = asyncio.run(measure(args.messages, args.concurrency))
    print(f"sms/webhook     {result['sms_per_s']:8.0f} messages/s   bare endpoint {result['bare_per_s']:7.0f} /s"
          f"   ratio {result['ratio']:.2f}   p50 {result['p50_ms']:.1f} ms   p99 {result['p99_ms']:.1f} ms"
          f"   failures {result['failures']}", flush=True)
    save("sms", result)


if __name__ == "__main__":
    main()
