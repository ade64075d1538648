"""The load generator: a process of its own (`python -m tests.chaos.load CONFIG.json`) with its own event loop.

It sends every message of a plan (tests.chaos.plan) to one `intake serve`, retrying each until it gets a
definite answer, always with the same idempotency key, and writes what was acknowledged to a JSON file.
Every attempt is logged with its wall-clock time, so the orchestrator can tell which answers came while
it held a fault. It prints `acked N` lines as it goes; the orchestrator injects faults by that count."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx

from tests.chaos.plan import MAILBOX, TELEGRAM_SECRET, Message, Thread
from tests.fake_twilio_api import AUTH_TOKEN, PUBLIC_URL, Signer

ACKNOWLEDGED = {200, 201, 202}
RETRYABLE_4XX = {408, 409, 425, 429}  # "not now", not "never"


@dataclass(frozen=True, slots=True)
class LoadConfig:
    plan: Path
    out: Path
    base_url: str
    smtp_port: int
    concurrency: int = 24
    give_up_after: float = 240.0  # seconds per message; a message never answered is reported, not hidden

    @classmethod
    def read(cls, path: Path) -> LoadConfig:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(Path(data["plan"]), Path(data["out"]), data["base_url"], int(data["smtp_port"]),
                   int(data.get("concurrency", 24)), float(data.get("give_up_after", 240.0)))

    def write(self, path: Path) -> None:
        path.write_text(json.dumps({"plan": str(self.plan), "out": str(self.out), "base_url": self.base_url,
                                    "smtp_port": self.smtp_port, "concurrency": self.concurrency,
                                    "give_up_after": self.give_up_after}), encoding="utf-8")


@dataclass(slots=True)
class Outcome:
    key: str
    channel: str
    acked: bool = False
    final: str = "gave up"  # the definite answer ("http:201", "smtp:250", "http:400", ...)
    attempts: int = 0
    tracking_no: str | None = None


@dataclass(slots=True)
class Answer:
    code: str  # "http:503", "smtp:451", "conn" (no answer at all)
    definite: bool
    acked: bool
    tracking_no: str | None = None


@dataclass(slots=True)
class Recorder:
    attempts: list[tuple[float, str, str]] = field(default_factory=list)  # (time, channel, code)
    outcomes: list[Outcome] = field(default_factory=list)
    acked: int = 0

    def attempt(self, channel: str, code: str) -> None:
        self.attempts.append((time.time(), channel, code))

    def done(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if outcome.acked:
            self.acked += 1
            if self.acked % 50 == 0:
                print(f"acked {self.acked}", flush=True)  # the orchestrator's trigger for faults


def _http_answer(response: httpx.Response) -> Answer:
    status = response.status_code
    definite = 200 <= status < 300 or (400 <= status < 500 and status not in RETRYABLE_4XX)
    tracking_no = None
    if status == 201 and response.headers.get("content-type", "").startswith("application/json"):
        tracking_no = response.json().get("tracking_no")
    return Answer(f"http:{status}", definite, status in ACKNOWLEDGED, tracking_no)


class Sender:
    def __init__(self, config: LoadConfig, client: httpx.AsyncClient, recorder: Recorder) -> None:
        self.config = config
        self.client = client
        self.recorder = recorder
        self.signer = Signer(AUTH_TOKEN, PUBLIC_URL)

    async def once(self, message: Message) -> Answer:
        channel = message["channel"]
        if channel == "email":
            return await self._smtp(message)
        try:
            response = await self._http(channel, message)
        except httpx.TransportError:
            return Answer("conn", False, False)  # refused, reset or timed out: the service may be down
        return _http_answer(response)

    async def _http(self, channel: str, message: Message) -> httpx.Response:
        if channel == "web":
            return await self.client.post("/api/v1/web/messages", json=message["body"])
        if channel == "api":
            return await self.client.post("/api/v1/cases", json=message["body"],
                                          headers={"Idempotency-Key": message["idempotency_key"]})
        if channel == "telegram":
            return await self.client.post("/webhooks/telegram", json=message["body"],
                                          headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
        if channel == "sms":
            return await self.client.post(**self.signer.request(f"{PUBLIC_URL}/webhooks/twilio/sms", message["form"]))
        raise ValueError(f"unknown channel {channel}")

    async def _smtp(self, message: Message) -> Answer:
        try:
            await aiosmtplib.send(message["raw"].encode("utf-8"), sender=message["sender"], recipients=[MAILBOX],
                                  hostname="127.0.0.1", port=self.config.smtp_port, timeout=60)
        except aiosmtplib.SMTPRecipientsRefused as refused:
            code = min(error.code for error in refused.recipients)
            return Answer(f"smtp:{code}", code >= 500, False)
        except aiosmtplib.SMTPResponseException as error:
            return Answer(f"smtp:{error.code}", error.code >= 500, False)
        except (aiosmtplib.SMTPException, OSError):
            return Answer("conn", False, False)
        return Answer("smtp:250", True, True)

    async def deliver(self, message: Message) -> Outcome:
        """Retries with the same message (and so the same idempotency key) until a definite answer."""
        outcome = Outcome(message["key"], message["channel"])
        deadline = time.monotonic() + self.config.give_up_after
        delay = 0.05
        while time.monotonic() < deadline:
            outcome.attempts += 1
            answer = await self.once(message)
            self.recorder.attempt(outcome.channel, answer.code)
            if answer.definite:
                outcome.final, outcome.acked, outcome.tracking_no = answer.code, answer.acked, answer.tracking_no
                break
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 1.0)
        self.recorder.done(outcome)
        return outcome


async def run(config: LoadConfig) -> dict[str, Any]:
    plan: list[Thread] = json.loads(config.plan.read_text(encoding="utf-8"))
    pending: asyncio.Queue[Thread] = asyncio.Queue()
    for thread in plan:
        pending.put_nowait(thread)
    recorder = Recorder()
    limits = httpx.Limits(max_connections=config.concurrency, max_keepalive_connections=config.concurrency)
    started = time.time()
    async with httpx.AsyncClient(base_url=config.base_url, timeout=60, limits=limits) as client:
        sender = Sender(config, client, recorder)

        async def worker() -> None:
            while not pending.empty():
                for message in pending.get_nowait():
                    await sender.deliver(message)

        await asyncio.gather(*(worker() for _ in range(config.concurrency)))
    return {"started": started, "finished": time.time(), "attempts": recorder.attempts,
            "outcomes": [{"key": o.key, "channel": o.channel, "acked": o.acked, "final": o.final,
                          "attempts": o.attempts, "tracking_no": o.tracking_no} for o in recorder.outcomes]}


def main() -> None:
    config = LoadConfig.read(Path(sys.argv[1]))
    result = asyncio.run(run(config))
    config.out.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    print(f"done {sum(o['acked'] for o in result['outcomes'])}", flush=True)


if __name__ == "__main__":
    main()
