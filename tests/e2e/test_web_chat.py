"""The web chat endpoint, as the chat page and other web front ends use it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from config.app import create_app
from config.wiring import Container
from intake_core.storage.tables import cases, transcript

URL = "/api/v1/web/messages"


@pytest.fixture
async def client(sqlite_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(sqlite_container))
    async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as http:
        yield http


async def say(client: httpx.AsyncClient, conversation: str | None, text: str, **extra: object) -> dict:
    body = {"text": text, **extra}
    if conversation:
        body["conversation_id"] = conversation
    response = await client.post(URL, json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def count(container: Container, table) -> int:  # type: ignore[no-untyped-def]
    async with container.database.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_whole_report_over_the_web_chat(client: httpx.AsyncClient, sqlite_container: Container) -> None:
    first = await say(client, None, "你好")
    conversation = first["conversation_id"]
    assert [b["payload"] for b in first["replies"][0]["buttons"]][:2] == ["/start_complaint", "/start_report"]
    for text in ["/start_report", "诈骗", "https://fake.example.cn/pay", "冒充客服骗取验证码",
                 "2026年11月20日", "/affirm"]:
        await say(client, conversation, text)
    final = await say(client, conversation, "确认")
    joined = "\n".join(r["text"] for r in final["replies"])
    assert "受理编号" in joined and "回执码" in joined
    assert await count(sqlite_container, cases) == 1


async def test_english_conversation(client: httpx.AsyncClient) -> None:
    reply = await say(client, None, "hello", locale="en")
    assert "complaint" in reply["replies"][0]["text"].lower()


async def test_a_retried_message_is_answered_once(client: httpx.AsyncClient, sqlite_container: Container) -> None:
    conversation = (await say(client, None, "你好"))["conversation_id"]
    first = await say(client, conversation, "我要举报", message_id="retry-0001")
    again = await say(client, conversation, "我要举报", message_id="retry-0001")
    assert again["replies"] == first["replies"]
    assert await count(sqlite_container, transcript) == 2 + 2 * len(first["replies"])  # in + out, once each


@pytest.mark.parametrize(("text", "explained"), [
    ("", "消息是空的"), ("\x00\x01\x02\x03", "消息是空的"), ("Привет, как дела?", "中文或英文"), ("����", "没能识别"),
])
async def test_bad_input_gets_a_clear_reply_and_the_form_goes_on(client: httpx.AsyncClient, text: str,
                                                                explained: str) -> None:
    conversation = (await say(client, None, "我要举报"))["conversation_id"]
    answer = await say(client, conversation, text)
    assert explained in answer["replies"][0]["text"]
    assert "类别" in answer["replies"][-1]["text"]  # and the question is asked again
    after = await say(client, conversation, "诈骗")
    assert "对象" in after["replies"][-1]["text"]  # the form asked its next question: state intact


async def test_a_very_long_message_is_clipped_with_a_notice(client: httpx.AsyncClient) -> None:
    answer = await say(client, None, "投诉" * 10_000)
    assert "5000" in answer["replies"][0]["text"]


@pytest.mark.parametrize("body", [
    {"text": "x" * 20_001}, {"text": "hi", "conversation_id": "../../etc"}, {"text": "hi", "locale": "fr"},
    {"conversation_id": "abcdefgh12"}, {"text": "hi", "extra": 1},
])
async def test_malformed_requests_are_problems(client: httpx.AsyncClient, body: dict) -> None:
    response = await client.post(URL, json=body)
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"


async def test_the_chat_page_is_served(client: httpx.AsyncClient) -> None:
    page = await client.get("/chat")
    assert page.status_code == 200 and "/api/v1/web/messages" in page.text and "textContent" in page.text


async def test_a_flood_of_chat_messages_from_one_address_gets_429(sqlite_container: Container) -> None:
    sqlite_container.settings.chat_rate_per_minute = 2
    transport = httpx.ASGITransport(app=create_app(sqlite_container), client=("198.51.100.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as flood:
        answers = [await flood.post("/api/v1/web/messages", json={"text": "我要举报"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "retry-after" in answers[2].headers
