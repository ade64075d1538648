"""The Telegram channel end to end: real Update JSON through the webhook (or polling), the real core on
SQLite, aiogram's real client stack, and a fake Bot API server on loopback capturing what the bot says."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiogram.exceptions import TelegramUnauthorizedError
from fastapi import FastAPI

from channels.telegram import TelegramChannel, webhook
from channels.telegram.addressing import conversation_key
from config.app import create_app
from config.wiring import Container
from intake_core.evidence_store import FileEvidenceStore
from intake_core.storage.database import make_engine
from tests.fake_bot_api import TOKEN, FakeBotApi, SentMessage, UpdateBuilder

SECRET = "s3cret-token_for-tests"
CAP = 64 * 1024
CHAT = 5550001


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


@pytest.fixture
async def telegram(sqlite_container: Container, bot_api: FakeBotApi, tmp_path: Path) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel(TOKEN, bot_api.base_url, SECRET, sqlite_container.conversations,
                              FileEvidenceStore(tmp_path / "evidence", max_bytes=CAP),
                              per_chat_per_second=200, per_chat_burst=20, retry_backoff_seconds=0.01)
    yield channel
    await channel.stop()


@pytest.fixture
async def client(sqlite_container: Container, telegram: TelegramChannel) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(sqlite_container)
    app.state.telegram = telegram
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


@pytest.fixture
def updates() -> UpdateBuilder:
    return UpdateBuilder()


async def post(client: httpx.AsyncClient, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
    headers = {webhook.SECRET_HEADER: secret} if secret is not None else {}
    return await client.post("/webhooks/telegram", json=update, headers=headers)


async def turn(client: httpx.AsyncClient, api: FakeBotApi, update: dict[str, Any]) -> list[SentMessage]:
    """Posts one update and returns what the bot sent because of it."""
    before = len(api.sent)
    response = await post(client, update)
    assert response.status_code == 200, response.text
    return api.sent[before:]


async def cases(container: Container) -> int:
    async with container.database.unit_of_work() as repo:
        return await repo.count_cases()


async def transcript(container: Container, chat_id: int) -> list[str]:
    key = conversation_key(container.conversations, chat_id)
    async with container.database.unit_of_work() as repo:
        return [line.text for line in await repo.conversations.lines(key) if line.direction == "in"]


def press(updates: UpdateBuilder, message: SentMessage, title: str) -> dict[str, Any]:
    button = next((b for b in message.buttons if b["text"] == title), None)
    assert button is not None, f"no button {title!r} in {message.buttons}"
    return updates.callback(message.chat_id, button["callback_data"], answered=message)


async def test_a_whole_report_from_the_deep_link_to_a_tracking_number(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container) -> None:
    sent = await turn(client, bot_api, updates.command(CHAT, "start", "report"))
    assert "类别" in sent[-1].text
    for text in ("诈骗", "https://fake-bank.example.cn/login", "这个网站冒充银行骗取验证码，我差点被骗",
                 "2026年11月20日下午3点"):
        sent = await turn(client, bot_api, updates.text(CHAT, text))
    question = sent[-1]
    assert question.reply_markup and question.buttons, "the anonymity question offers buttons"
    summary = (await turn(client, bot_api, press(updates, question, "匿名提交")))[-1]
    assert bot_api.callback_answers and bot_api.edited_markups[-1]["message_id"] == str(question.message_id)
    assert "核对" in summary.text and summary.buttons
    confirm = press(updates, summary, "确认提交")
    registered = await turn(client, bot_api, confirm)
    assert any("受理编号" in m.text for m in registered)
    assert any("回执码" in m.text for m in registered)
    assert all(m.parse_mode is None and m.chat_id == CHAT for m in bot_api.sent)
    assert await cases(sqlite_container) == 1

    # Telegram redelivers the confirming update: no second reply, no second case.
    again = await turn(client, bot_api, confirm)
    assert again == [] and await cases(sqlite_container) == 1


async def test_the_conversation_key_hides_the_chat_id(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container) -> None:
    sent = await turn(client, bot_api, updates.text(CHAT, "你好"))
    assert sent and sent[0].buttons  # the greeting's menu as an inline keyboard
    key = conversation_key(sqlite_container.conversations, CHAT)
    assert key.startswith("telegram:") and len(key) == len("telegram:") + 32 and str(CHAT) not in key
    async with sqlite_container.database.unit_of_work() as repo:
        record = await repo.conversations.get(key)
    assert record is not None and record.channel == "telegram"


async def test_commands_become_words_the_dialogue_understands(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container) -> None:
    await turn(client, bot_api, updates.command(CHAT, "start", "complaint"))
    await turn(client, bot_api, updates.command(CHAT, "cancel"))
    await turn(client, bot_api, updates.command(CHAT, "help"))
    await turn(client, bot_api, updates.command(CHAT, "status", "TS-20261124-ABCDEF"))
    sent = await turn(client, bot_api, updates.command(CHAT, "lang"))
    assert "English" in sent[0].text
    assert await transcript(sqlite_container, CHAT) == [
        "我要投诉", "取消", "帮助", "查询 TS-20261124-ABCDEF", "change the language"]


async def test_a_photo_is_stored_as_evidence_with_its_caption_as_text(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container,
        tmp_path: Path) -> None:
    content = b"\xff\xd8\xff" + b"jpeg" * 2000
    bot_api.add_file("photo-large", content, "photos/file_1.jpg")
    sent = await turn(client, bot_api, updates.photo(CHAT, "photo-large", len(content), caption="截图"))
    assert sent
    assert [p["file_id"] for m, p in bot_api.calls if m == "getfile"] == ["photo-large"]  # the largest size only
    stored = tmp_path / "evidence" / hashlib.sha256(content).hexdigest()[:2] / hashlib.sha256(content).hexdigest()
    assert stored.read_bytes() == content
    assert await transcript(sqlite_container, CHAT) == ["截图"]


async def test_documents_and_voice_notes_are_fetched(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder, tmp_path: Path) -> None:
    bot_api.add_file("doc-1", b"%PDF-1.4 evidence", "documents/file_2.pdf")
    bot_api.add_file("voice-1", b"OggS voice", "voice/file_3.oga")
    bot_api.add_file("video-1", b"\x00\x00\x00\x18ftypmp4", "videos/file_4.mp4")
    await turn(client, bot_api, updates.document(CHAT, "doc-1", 17))
    await turn(client, bot_api, updates.voice(CHAT, "voice-1", 10))
    await turn(client, bot_api, updates.video(CHAT, "video-1", 14))
    assert bot_api.downloads == 3
    assert len(list((tmp_path / "evidence").rglob("*"))) == 6  # three files, each in its own folder


async def test_a_file_over_the_cap_is_refused_before_downloading(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container) -> None:
    bot_api.add_file("big", b"x" * (CAP + 1))
    sent = await turn(client, bot_api, updates.document(CHAT, "big", CAP + 1))
    assert "64 KB" in sent[0].text
    assert bot_api.downloads == 0 and not [m for m, _ in bot_api.calls if m == "getfile"]
    assert await transcript(sqlite_container, CHAT) == []


async def test_a_file_of_unannounced_size_is_cut_off_at_the_cap(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container) -> None:
    bot_api.add_file("sizeless", b"y" * (CAP + 10))
    update = updates.document(CHAT, "sizeless", 1)
    update["message"]["document"].pop("file_size")
    bot_api.unsized.add("sizeless")
    bot_api.too_big.add("huge")
    sent = await turn(client, bot_api, update)
    sent += await turn(client, bot_api, updates.document(CHAT, "huge", 100))
    assert ["64 KB" in m.text for m in sent] == [True, True]
    assert bot_api.downloads == 1  # the first was cut off while streaming
    assert await transcript(sqlite_container, CHAT) == []


async def test_a_shared_contact_is_the_phone_and_a_location_its_coordinates(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container) -> None:
    for text in ("我要投诉", "服务质量", "窗口工作人员态度恶劣，让我等了两个小时", "2026年11月20日上午10点",
                 "不匿名", "张三"):
        await turn(client, bot_api, updates.text(CHAT, text))
    summary = await turn(client, bot_api, updates.contact(CHAT, "+8613812345678"))
    assert "核对" in summary[-1].text  # the phone validator took it
    await turn(client, bot_api, updates.location(CHAT, 39.9042, 116.4074))
    await turn(client, bot_api, updates.contact(CHAT, "+8613900000000", own=False))
    lines = await transcript(sqlite_container, CHAT)
    assert lines[-3:] == ["+8613812345678", "位置: 39.9042,116.4074", "联系人电话: +8613900000000"]


async def test_an_edited_message_is_taken_as_a_new_message(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container) -> None:
    await turn(client, bot_api, updates.text(CHAT, "我要举"))
    sent = await turn(client, bot_api, updates.edited(CHAT, "我要举报"))
    assert "类别" in sent[-1].text
    assert await transcript(sqlite_container, CHAT) == ["我要举", "我要举报"]


async def test_groups_and_channels_are_pointed_to_the_private_chat_once(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container) -> None:
    await turn(client, bot_api, updates.group_message(-100, "我要举报"))
    await turn(client, bot_api, updates.group_message(-100, "我要举报"))
    await turn(client, bot_api, updates.group_message(-1001234, "你好", chat_type="supergroup"))
    await turn(client, bot_api, updates.channel_post(-1009999, "公告"))
    assert [(m.chat_id, m.text) for m in bot_api.sent] == [
        (-100, "请私信我 / please write to me privately"), (-1001234, "请私信我 / please write to me privately"),
        (-1009999, "请私信我 / please write to me privately")]
    for chat in (-100, -1001234, -1009999):
        assert await transcript(sqlite_container, chat) == []


async def test_other_update_types_are_ignored(client: httpx.AsyncClient, bot_api: FakeBotApi,
                                              updates: UpdateBuilder) -> None:
    assert await turn(client, bot_api, updates.my_chat_member(CHAT)) == []
    assert await turn(client, bot_api, {"update_id": 1, "some_future_kind": {"text": "x"}}) == []


async def test_a_wrong_or_missing_secret_is_refused(client: httpx.AsyncClient, bot_api: FakeBotApi,
                                                   updates: UpdateBuilder, sqlite_container: Container) -> None:
    for secret in ("wrong", None, SECRET + "x"):
        response = await post(client, updates.text(CHAT, "我要举报"), secret=secret)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    assert bot_api.sent == [] and await transcript(sqlite_container, CHAT) == []


async def test_bodies_that_are_not_updates_are_refused(client: httpx.AsyncClient) -> None:
    headers = {webhook.SECRET_HEADER: SECRET, "content-type": "application/json"}
    for body in (b"{not json", b"[1, 2]", b'{"message": {}}', b'{"update_id": 1, "message": "text"}'):
        assert (await client.post("/webhooks/telegram", content=body, headers=headers)).status_code == 400
    huge = json.dumps({"update_id": 1, "padding": "x" * 1_100_000}).encode()
    assert (await client.post("/webhooks/telegram", content=huge, headers=headers)).status_code == 413


async def test_storage_down_answers_503_so_that_telegram_redelivers(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container,
        tmp_path: Path) -> None:
    update = updates.text(CHAT, "我要举报")
    working = sqlite_container.database.engine
    sqlite_container.database.engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'x.db'}")
    try:
        response = await post(client, update)
    finally:
        await sqlite_container.database.engine.dispose()
        sqlite_container.database.engine = working
    assert response.status_code == 503 and bot_api.sent == []
    sent = await turn(client, bot_api, update)  # the redelivery is taken
    assert "类别" in sent[-1].text


async def test_a_rate_limit_is_waited_out_and_a_server_error_retried(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder) -> None:
    bot_api.fail_next(1, status=429, retry_after=1)
    bot_api.fail_next(1, status=502)
    loop = asyncio.get_running_loop()
    started = loop.time()
    sent = await turn(client, bot_api, updates.text(CHAT, "我要举报"))
    assert loop.time() - started >= 1.0
    assert "类别" in sent[-1].text
    assert sum(1 for m, _ in bot_api.calls if m == "sendmessage") == 3


async def test_an_unknown_long_button_is_resolved_by_its_index(
        client: httpx.AsyncClient, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container) -> None:
    markup = {"inline_keyboard": [[{"text": "我要投诉", "callback_data": "b:0"}], [{"text": "我要举报",
                                                                                  "callback_data": "b:1"}]]}
    shown = SentMessage(CHAT, "menu", None, markup, 77)
    sent = await turn(client, bot_api, updates.callback(CHAT, "b:1", answered=shown))
    assert "类别" in sent[-1].text
    assert await transcript(sqlite_container, CHAT) == ["我要举报"]
    expired = await turn(client, bot_api, updates.callback(CHAT, "b:7", answered=shown))
    assert expired == [] and bot_api.callback_answers[-1].get("text")


async def test_polling_delivers_updates_for_development(
        telegram: TelegramChannel, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container) -> None:
    bot_api.webhook = {"url": "https://old.example"}
    bot_api.queue_update(updates.text(CHAT, "我要举报"))
    await telegram.start_polling(polling_timeout=1)
    for _ in range(100):
        if bot_api.sent:
            break
        await asyncio.sleep(0.05)
    await telegram.stop()
    assert bot_api.webhook is None  # polling needs the webhook removed
    assert "类别" in bot_api.sent[-1].text
    assert await transcript(sqlite_container, CHAT) == ["我要举报"]


async def test_polling_retries_an_update_it_could_not_store_instead_of_losing_it(
        telegram: TelegramChannel, bot_api: FakeBotApi, updates: UpdateBuilder, sqlite_container: Container) -> None:
    bot_api.add_file("photo-flaky", b"\x89PNG evidence", "photos/flaky.jpg")
    bot_api.fail_downloads(2)  # Telegram's file server fails twice: the update cannot be stored yet
    telegram.polling_retry.first_pause = 0.01
    bot_api.queue_update(updates.photo(CHAT, "photo-flaky", 14, caption="诈骗网站截图"))
    bot_api.queue_update(updates.text(CHAT, "我要举报"))
    await telegram.start_polling(polling_timeout=1)
    for _ in range(200):
        if len(bot_api.sent) >= 2:
            break
        await asyncio.sleep(0.05)
    await telegram.stop()
    assert bot_api.failing_downloads == 0 and bot_api.downloads == 1
    assert await transcript(sqlite_container, CHAT) == ["诈骗网站截图", "我要举报"]  # both, once, in order


async def test_set_webhook_registers_url_secret_and_update_types(telegram: TelegramChannel,
                                                                bot_api: FakeBotApi) -> None:
    await telegram.set_webhook("https://intake.example.cn/webhooks/telegram")
    assert bot_api.webhook is not None
    assert bot_api.webhook["url"] == "https://intake.example.cn/webhooks/telegram"
    assert bot_api.webhook["secret_token"] == SECRET
    assert {"message", "edited_message", "callback_query", "channel_post"} <= set(bot_api.webhook["allowed_updates"])


async def test_an_unknown_token_is_refused_like_telegram_does(sqlite_container: Container, bot_api: FakeBotApi,
                                                            tmp_path: Path) -> None:
    channel = TelegramChannel("42:wrong-token", bot_api.base_url, SECRET, sqlite_container.conversations,
                              FileEvidenceStore(tmp_path, max_bytes=CAP))
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await channel.bot.get_me()
    finally:
        await channel.stop()


async def test_a_reply_telegram_would_not_take_is_sent_later_by_the_reply_sender(
        client: httpx.AsyncClient, telegram: TelegramChannel, bot_api: FakeBotApi, updates: UpdateBuilder,
        sqlite_container: Container) -> None:
    sqlite_container.outbounds["telegram"] = telegram.outbound
    bot_api.fail_next(4, status=502)  # every immediate attempt fails
    assert await turn(client, bot_api, updates.text(CHAT, "我要举报")) == []
    assert sqlite_container.sender is not None
    await sqlite_container.sender.send_due()
    assert "类别" in bot_api.texts_to(CHAT)[-1]
    await sqlite_container.sender.send_due()
    assert len(bot_api.texts_to(CHAT)) == 1  # sent once
