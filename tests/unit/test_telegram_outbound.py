"""Telegram sending without I/O: splitting, rate limiting, retries and refusals, keyboards, commands.

The bot runs on a scripted aiogram session (the lowest transport seam): responses are real Bot API
JSON bodies classified by aiogram's own `check_response`, so the error classes are the real ones."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType

from channels.telegram.addressing import chat_of_route, contact_route, locale_of
from channels.telegram.commands import command_text
from channels.telegram.keyboards import callback_data, inline_keyboard, pressed_text
from channels.telegram.outbound import TelegramOutbound
from channels.telegram.rate_limit import SendLimiter
from channels.telegram.text_split import MESSAGE_LIMIT, split_text
from intake_core.messages import Button, Reply
from intake_core.ports import DeliveryDeferred, Undeliverable

TOKEN = "123456789:AAunit-test-token"


class ScriptedSession(BaseSession):
    """Answers each request with the next scripted (status, body) response, else with success."""

    def __init__(self, script: list[tuple[int, Any]] | None = None) -> None:
        super().__init__()
        self.script = list(script or [])
        self.requests: list[TelegramMethod[Any]] = []

    async def close(self) -> None:
        pass

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:  # noqa: ASYNC109 - aiogram's signature
        self.requests.append(method)
        status, body = self.script.pop(0) if self.script else (200, None)
        if body is None:
            body = {"ok": True, "result": {"message_id": len(self.requests), "date": 0,
                                           "chat": {"id": 1, "type": "private"}, "text": "x"}}
        content = body if isinstance(body, str) else json.dumps(body)
        return self.check_response(bot, method, status, content).result  # type: ignore[return-value]

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None,
                             timeout: int = 30,  # noqa: ASYNC109 - aiogram's signature
                             chunk_size: int = 65536, raise_for_status: bool = True) -> AsyncGenerator[bytes, None]:
        yield b""


def error(status: int, description: str, **parameters: Any) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def outbound(script: list[tuple[int, Any]], clock: Clock) -> tuple[TelegramOutbound, ScriptedSession]:
    session = ScriptedSession(script)
    limiter = SendLimiter(clock=clock, sleep=clock.sleep)
    return TelegramOutbound(Bot(TOKEN, session=session), limiter, sleep=clock.sleep), session


def sent_texts(session: ScriptedSession) -> list[str]:
    return [m.text for m in session.requests if isinstance(m, SendMessage)]


# -- splitting ----------------------------------------------------------------------------------
def test_short_texts_are_left_alone() -> None:
    assert split_text("你好") == ["你好"]
    assert split_text("x" * MESSAGE_LIMIT) == ["x" * MESSAGE_LIMIT]
    assert split_text("") == []


def test_long_texts_split_at_line_breaks() -> None:
    lines = [f"第{i}行：" + "内容" * 40 for i in range(200)]
    parts = split_text("\n".join(lines))
    assert len(parts) > 1 and all(len(p) <= MESSAGE_LIMIT for p in parts)
    assert "\n".join(parts) == "\n".join(lines)  # nothing lost, every cut on a line break


def test_a_text_without_breaks_splits_at_spaces_or_anywhere() -> None:
    words = " ".join(["word"] * 3000)
    parts = split_text(words)
    assert all(len(p) <= MESSAGE_LIMIT and not p.startswith(" ") for p in parts)
    assert " ".join(parts) == words
    solid = "字" * 9000
    assert split_text(solid) == ["字" * 4096, "字" * 4096, "字" * 808]


def test_emoji_count_twice_and_are_never_cut_in_half() -> None:
    parts = split_text("😡" * 3000)
    assert [len(p) for p in parts] == [2048, 952]
    assert all(len(p.encode("utf-16-le")) // 2 <= MESSAGE_LIMIT for p in parts)


# -- rate limiting ------------------------------------------------------------------------------
def test_one_chat_gets_a_short_burst_then_one_message_a_second() -> None:
    clock = Clock()
    limiter = SendLimiter(per_second=25, per_chat_per_second=1, per_chat_burst=3, clock=clock)
    assert [limiter.reserve(1) for _ in range(3)] == [0, 0, 0]
    assert limiter.reserve(1) == pytest.approx(1.0)
    assert limiter.reserve(1) == pytest.approx(2.0)
    assert limiter.reserve(2) == 0  # another chat is not held up
    clock.now += 10
    assert limiter.reserve(1) == 0


def test_all_chats_together_stay_under_the_global_rate() -> None:
    clock = Clock()
    limiter = SendLimiter(per_second=25, per_chat_per_second=1, per_chat_burst=1, clock=clock)
    waits = [limiter.reserve(chat) for chat in range(30)]
    assert waits[:25] == [0] * 25
    assert waits[25] == pytest.approx(0.04) and waits[29] == pytest.approx(0.2)


def test_retry_after_holds_every_chat_and_quiet_chats_are_forgotten() -> None:
    clock = Clock()
    limiter = SendLimiter(clock=clock)
    limiter.hold_all(5)
    assert limiter.reserve(1) == pytest.approx(5)
    limiter.MAX_TRACKED_CHATS = 3
    for chat in range(2, 5):
        limiter.reserve(chat)
    clock.now += 60
    limiter.reserve(99)
    assert limiter.tracked_chats() == 1


# -- sending ------------------------------------------------------------------------------------
async def test_replies_go_out_as_plain_text_with_buttons_under_the_last_part() -> None:
    clock = Clock()
    sender, session = outbound([], clock)
    long = "\n".join(["一行很长的说明文字" * 20] * 40)
    await sender.send("telegram:42", [Reply(long, (Button("确认提交", "/affirm"),)), Reply("好")], {})
    messages = [m for m in session.requests if isinstance(m, SendMessage)]
    assert len(messages) == 3 and "\n".join(m.text for m in messages[:2]) == long and messages[2].text == "好"
    assert all(m.chat_id == 42 and m.parse_mode is None for m in messages)
    assert messages[0].reply_markup is None and messages[1].reply_markup is not None


async def test_the_replies_of_one_turn_go_out_as_few_messages_as_their_buttons_allow() -> None:
    clock = Clock()
    sender, session = outbound([], clock)
    choice = (Button("是", "/affirm"), Button("否", "/deny"))
    await sender.send("telegram:42", [Reply("已收到。"), Reply("请确认："), Reply("是否匿名？", choice),
                                      Reply(""), Reply("受理编号 TS-1"), Reply("谢谢")], {})
    messages = [m for m in session.requests if isinstance(m, SendMessage)]
    assert [m.text for m in messages] == ["已收到。\n\n请确认：\n\n是否匿名？", "受理编号 TS-1\n\n谢谢"]
    assert messages[0].reply_markup is not None and messages[1].reply_markup is None
    assert clock.slept == []  # two messages fit the chat's burst: the citizen waits for nothing


async def test_a_429_is_waited_out_for_as_long_as_telegram_asks() -> None:
    clock = Clock()
    sender, session = outbound([error(429, "Too Many Requests: retry after 3", retry_after=3)], clock)
    await sender.send("telegram:42", [Reply("你好")], {})
    assert sent_texts(session) == ["你好", "你好"]
    assert clock.slept[0] == 3


async def test_a_long_retry_after_is_handed_back_to_the_caller() -> None:
    clock = Clock()
    sender, _ = outbound([error(429, "Too Many Requests: retry after 3600", retry_after=3600)], clock)
    with pytest.raises(DeliveryDeferred) as raised:
        await sender.send("telegram:42", [Reply("你好")], {})
    assert raised.value.retry_after == 3600 and clock.slept == []


async def test_server_errors_are_retried_with_backoff_then_deferred() -> None:
    clock = Clock()
    sender, session = outbound([error(500, "Internal Server Error"), (502, "<html>Bad Gateway</html>")], clock)
    await sender.send("telegram:42", [Reply("你好")], {})
    assert len(sent_texts(session)) == 3 and clock.slept == [0.5, 1.0]

    failing, session = outbound([error(502, "Bad Gateway")] * 4, Clock())
    with pytest.raises(DeliveryDeferred):
        await failing.send("telegram:42", [Reply("你好")], {})
    assert len(sent_texts(session)) == 4


@pytest.mark.parametrize("status, description", [
    (403, "Forbidden: bot was blocked by the user"),
    (403, "Forbidden: user is deactivated"),
    (400, "Bad Request: chat not found"),
])
async def test_a_blocked_bot_or_a_vanished_chat_is_undeliverable(status: int, description: str) -> None:
    sender, session = outbound([error(status, description)], Clock())
    with pytest.raises(Undeliverable):
        await sender.send("telegram:42", [Reply("你好")], {})
    assert len(sent_texts(session)) == 1  # retrying would not help


async def test_routes_of_other_channels_are_undeliverable() -> None:
    sender, session = outbound([], Clock())
    for route in ("sms:+8613812345678", "telegram:", "telegram:abc"):
        with pytest.raises(Undeliverable):
            await sender.send(route, [Reply("你好")], {})
    assert session.requests == []
    assert chat_of_route(contact_route(-1001234)) == -1001234


# -- keyboards, commands, locales ---------------------------------------------------------------
def test_payloads_that_fit_travel_in_the_button_and_longer_ones_by_index() -> None:
    assert callback_data(0, "/affirm") == "p:/affirm"
    long = '/correct{"correction_field": "description", "note": "' + "x" * 40 + '"}'
    assert callback_data(3, long) == "b:3"
    keyboard = inline_keyboard([Button("确认提交", "/affirm"), Button("描述", long)])
    assert keyboard is not None
    assert pressed_text("p:/affirm", keyboard) == "/affirm"
    assert pressed_text("b:1", keyboard) == "描述"
    assert pressed_text("b:9", keyboard) is None and pressed_text("b:1", None) is None
    assert pressed_text(None, keyboard) is None and inline_keyboard([]) is None
    assert all(len((b.callback_data or "").encode()) <= 64 for row in keyboard.inline_keyboard for b in row)


@pytest.mark.parametrize("name, argument, locale, text", [
    ("start", "report", None, "我要举报"), ("start", "complaint", "zh", "我要投诉"),
    ("start", None, None, "你好"), ("start", "promo-2026", "en", "hello"),
    ("help", None, None, "帮助"), ("status", "TS-20261124-ABCDEF", None, "查询 TS-20261124-ABCDEF"),
    ("status", None, None, "查询进度"), ("cancel", None, None, "取消"), ("human", None, None, "转人工"),
    ("lang", None, None, "change the language"), ("unknown", None, None, None),
])
def test_commands_become_dialogue_words(name: str, argument: str | None, locale: str | None,
                                        text: str | None) -> None:
    assert command_text(name, argument, locale) == text


def test_client_languages_map_to_the_dialogue_locales() -> None:
    assert [locale_of(c) for c in ("zh-hans", "zh-TW", "en", "en-GB", "ru", None, "")] == [
        "zh", "zh", "en", "en", None, None, None]
