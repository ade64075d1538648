"""Emails/s accepted end to end by the complaint mailbox (SMTP transaction, raw message stored, dialogue
run, case registered, reply queued) against aiosmtpd with a handler that only discards; the same aiosmtplib
client and the same messages, alternating blocks in one run. Both servers run in processes of their own."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import aiosmtplib

from tests.benchmarks.http_load import free_port, intake_server, serving
from tests.benchmarks.results import latency_ms, save

MAILBOX = "complaints@localhost"
BLOCK = 100


def complaint(i: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"citizen{i}@example.com"
    message["To"] = MAILBOX
    message["Subject"] = f"投诉网店不发货 {i}"
    message["Message-ID"] = make_msgid(domain="example.com")
    message.set_content(f"你好，我要投诉。我在网店 https://shop{i % 50}.example.cn/store/{i} 下单买了一台电饭锅，"
                        "付款后一直不发货，客服也不回复。事情发生在2026年11月20日下午3点。\n我希望匿名处理。\n")
    return message.as_bytes()


async def send_all(port: int, messages: list[bytes], concurrency: int) -> tuple[float, list[float], int]:
    pending = iter(messages)
    latencies: list[float] = []
    refused = 0

    async def client() -> None:
        nonlocal refused
        for raw in pending:
            started = time.perf_counter()
            try:
                await aiosmtplib.send(raw, sender="citizen@example.com", recipients=[MAILBOX],
                                      hostname="127.0.0.1", port=port, timeout=60)
            except aiosmtplib.SMTPException:
                refused += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, refused


async def measure(total: int, concurrency: int) -> dict[str, float]:
    smtp_port, discard_port = free_port(), free_port()
    spent_ours = spent_bare = 0.0
    latencies: list[float] = []
    refused = 0
    with tempfile.TemporaryDirectory() as tmp:
        discard = [sys.executable, "-m", "tests.benchmarks.discard_smtp", str(discard_port)]
        async with intake_server(Path(tmp), smtp_port=str(smtp_port)), serving(
                discard, dict(os.environ), f"tcp://127.0.0.1:{discard_port}"):
            await send_all(smtp_port, [complaint(-n) for n in range(1, 21)], concurrency)  # warm up
            for first in range(0, total, BLOCK):
                batch = [complaint(i) for i in range(first, min(total, first + BLOCK))]
                seconds, waits, failed = await send_all(smtp_port, batch, concurrency)
                spent_ours += seconds
                latencies += waits
                refused += failed
                spent_bare += (await send_all(discard_port, batch, concurrency))[0]
        outbox = len(list((Path(tmp) / "outbox").glob("*.eml")))
    return {"emails": total, "mailbox_per_s": total / spent_ours, "discard_per_s": total / spent_bare,
            "ratio": spent_bare / spent_ours, **latency_ms(latencies), "refused": refused, "replies_written": outbox}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    result = asyncio.run(measure(args.emails, args.concurrency))
    print(f"mail/smtp       {result['mailbox_per_s']:8.1f} emails/s   discarding aiosmtpd "
          f"{result['discard_per_s']:8.1f} /s   ratio {result['ratio']:.2f}   p50 {result['p50_ms']:.0f} ms"
          f"   p99 {result['p99_ms']:.0f} ms   refused {result['refused']}   replies {result['replies_written']}",
          flush=True)
    save("mail", result)


if __name__ == "__main__":
    main()
