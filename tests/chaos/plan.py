"""The messages one chaos run sends, built deterministically before the load starts.

A plan is a list of threads; the messages of one thread are sent one after the other (a citizen waits for
the answer before typing the next line), threads run concurrently. Each message carries `key`: the key under
which the service must have stored it exactly once (inbound_keys for conversations, idempotency_keys for the
case API, the Message-ID for email), so the checks need nothing but the plan and the acknowledgements."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from tests.fake_bot_api import UpdateBuilder
from tests.fake_twilio_api import ACCOUNT_SID, FROM_NUMBER

Message = dict[str, Any]
Thread = list[Message]

MAILBOX = "complaints@localhost"  # the service's default mailbox address
TELEGRAM_SECRET = "chaos-webhook-secret_0123"

# The embedded dialogue's anonymous report, line by line (tests/integration/conformance/conversations.yaml).
CHAT_SCRIPT = ["你好", "我要举报", "诈骗", "{url}", "这个网站冒充银行骗取验证码，我差点被骗", "2026年11月20日下午3点",
               "我想匿名", "确认"]


@dataclass(frozen=True, slots=True)
class Mix:
    """Messages per channel; conversation channels send CHAT_SCRIPT, one conversation per script."""

    web: int
    api: int
    telegram: int
    sms: int
    email: int

    @property
    def total(self) -> int:
        return self.web + self.api + self.telegram + self.sms + self.email

    @classmethod
    def of_total(cls, total: int) -> Mix:
        """Roughly a quarter web chat, a fifth each of case API and Telegram, the rest SMS and email."""
        web, api, telegram, sms = total * 24 // 100, total * 20 // 100, total * 20 // 100, total * 16 // 100
        return cls(web, api, telegram, sms, total - web - api - telegram - sms)


def _script(count: int, run: str, build: Any) -> list[Thread]:
    """`count` messages as conversations of the chat script (the last one may be shorter)."""
    threads: list[Thread] = []
    for number in itertools.count():
        if count <= 0:
            return threads
        lines = [line.format(url=f"https://fake-bank{number % 40}.{run}.example.cn/login")
                 for line in CHAT_SCRIPT[:count]]
        threads.append([build(number, step, text) for step, text in enumerate(lines)])
        count -= len(lines)
    return threads


def web_threads(count: int, run: str) -> list[Thread]:
    def build(number: int, step: int, text: str) -> Message:
        conversation, message_id = f"chaos-{run}-w{number:05d}", f"m{step:03d}-{run}"
        return {"channel": "web", "key": f"web:{conversation}:{message_id}",
                "body": {"conversation_id": conversation, "message_id": message_id, "text": text}}
    return _script(count, run, build)


def telegram_threads(count: int, run: str, first_update_id: int) -> list[Thread]:
    updates = UpdateBuilder(first_update_id)

    def build(number: int, step: int, text: str) -> Message:
        update = updates.text(8_100_000 + number, text)  # chat ids far from tests/privacy.py's
        return {"channel": "telegram", "key": f"telegram:{update['update_id']}", "body": update}
    return _script(count, run, build)


def sms_threads(count: int, run: str) -> list[Thread]:
    def build(number: int, step: int, text: str) -> Message:
        sid = "SM" + hashlib.sha256(f"{run}:{number}:{step}".encode()).hexdigest()[:32]
        form = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": f"+86177{number:08d}", "To": FROM_NUMBER,
                "Body": text, "NumMedia": "0"}
        return {"channel": "sms", "key": f"sms:{sid}", "form": form}
    return _script(count, run, build)


def api_threads(count: int, run: str) -> list[Thread]:
    threads = []
    for number in range(count):
        key = f"chaos-{run}-{number:05d}"
        body = {"kind": "report", "category": "fraud", "description": f"冒充客服退款，骗走验证码（第{number}号）",
                "target": f"https://scam{number % 40}.{run}.example.cn/refund", "target_type": "url",
                "occurred_at": "2026-11-23T15:00:00+08:00", "anonymous": True}
        threads.append([{"channel": "api", "key": f"api:{key}", "idempotency_key": key, "body": body}])
    return threads


def email_threads(count: int, run: str) -> list[Thread]:
    threads = []
    for number in range(count):
        message_id = f"<chaos.{run}.{number:05d}@sender.example.net>"
        mail = EmailMessage()
        mail["From"] = f"citizen{number:05d}@sender.example.net"
        mail["To"] = MAILBOX
        mail["Subject"] = "举报诈骗网站"
        mail["Date"] = format_datetime(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
        mail["Message-ID"] = message_id
        mail.set_content(f"您好，我要举报一个诈骗网站：https://fraud{number % 40}.{run}.example.cn/pay\n"
                         "这个网站冒充银行客服，骗取验证码。时间是2026年11月20日下午3点。我想匿名。\n")
        threads.append([{"channel": "email", "key": message_id, "sender": str(mail["From"]),
                         "raw": mail.as_string()}])
    return threads


def build_plan(mix: Mix, run: str, first_update_id: int = 700_000) -> list[Thread]:
    """All threads of one run, interleaved so that every channel is busy from start to end."""
    groups = [web_threads(mix.web, run), api_threads(mix.api, run),
              telegram_threads(mix.telegram, run, first_update_id), sms_threads(mix.sms, run),
              email_threads(mix.email, run)]
    # Spread each group evenly over the run, then order by position.
    placed = [(index / len(group), rank, thread)
              for rank, group in enumerate(groups) for index, thread in enumerate(group)]
    return [thread for _position, _rank, thread in sorted(placed, key=lambda p: (p[0], p[1]))]


def messages(plan: list[Thread]) -> list[Message]:
    return [message for thread in plan for message in thread]
