"""The SMS channel end to end: signed webhook forms as Twilio posts them, the real core on SQLite, the
SDK's real REST client against a fake Twilio API on loopback."""

from __future__ import annotations

import hashlib
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from channels.twilio import TwilioChannel
from channels.twilio.addressing import sms_conversation_key
from channels.twilio.sms_text import MAX_SEGMENTS, segments, split_sms
from config.app import create_app
from config.wiring import Container
from intake_core.evidence_store import FileEvidenceStore
from intake_core.messages import Reply
from intake_core.ports import DeliveryDeferred, Undeliverable
from intake_core.storage.tables import case_notes, outbound_messages
from tests.fake_twilio_api import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, PUBLIC_URL, FakeTwilioApi, Signer

SMS_URL = f"{PUBLIC_URL}/webhooks/twilio/sms"
CITIZEN = "+8613800138000"
CAP = 64 * 1024
_sids = itertools.count(1)


@pytest.fixture
async def twilio_api() -> AsyncIterator[FakeTwilioApi]:
    async with FakeTwilioApi() as api:
        yield api


@pytest.fixture
async def channel(sqlite_container: Container, twilio_api: FakeTwilioApi,
                  tmp_path: Path) -> AsyncIterator[TwilioChannel]:
    built = TwilioChannel(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, PUBLIC_URL, sqlite_container.conversations,
                          FileEvidenceStore(tmp_path / "evidence", max_bytes=CAP), api_base=twilio_api.base_url)
    yield built
    await built.stop()


@pytest.fixture
async def client(sqlite_container: Container, channel: TwilioChannel) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(sqlite_container)
    app.state.twilio = channel
    # https: the choice cookie is Secure, as Twilio calls the public https URL.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as http:
        yield http


def sms_form(body: str, sid: str | None = None, number: str = CITIZEN, **extra: str) -> dict[str, str]:
    return {"MessageSid": sid or f"SM{next(_sids):032x}", "AccountSid": ACCOUNT_SID, "From": number,
            "To": FROM_NUMBER, "Body": body, "NumMedia": "0", **extra}


async def post(client: httpx.AsyncClient, form: dict[str, str]) -> httpx.Response:
    return await client.post(**Signer().request(SMS_URL, form))


async def texts(client: httpx.AsyncClient, form: dict[str, str]) -> list[str]:
    """Posts one SMS and returns the bodies of the <Message> elements of the TwiML answer."""
    response = await post(client, form)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)
    assert root.tag == "Response" and all(child.tag == "Message" for child in root)
    return [child.text or "" for child in root]


async def cases(container: Container) -> int:
    async with container.database.unit_of_work() as repo:
        return await repo.count_cases()


def tracking_number(answer: list[str]) -> str:
    match = re.search(r"TS-\d{8}-[0-9A-Z]{6}", "".join(answer))
    assert match is not None
    return match.group(0)


async def file_a_report(client: httpx.AsyncClient) -> tuple[str, list[str]]:
    """A whole anonymous report by SMS; the confirming message's sid and the final answer."""
    assert "类别" in "".join(await texts(client, sms_form("我要举报")))
    for body in ("10", "https://fake-bank.example.cn/login", "这个网站冒充银行骗取验证码，我差点被骗",
                 "2026年11月20日下午3点"):
        answer = await texts(client, sms_form(body))
    assert "回复数字：1 匿名提交；2 留下联系方式" in answer[-1]
    summary = await texts(client, sms_form("1"))  # the digit stands for the first choice
    assert "核对" in summary[0] and "匿名：是" in summary[0] and "1 确认提交" in summary[-1]
    confirm = sms_form("１")  # a full-width digit works too
    return confirm["MessageSid"], await texts(client, confirm)


async def test_a_whole_sms_report_ends_with_a_tracking_number_in_short_messages(
        client: httpx.AsyncClient, sqlite_container: Container) -> None:
    _sid, answer = await file_a_report(client)
    assert any("受理编号" in text for text in answer) and any("回执码" in text for text in answer)
    assert all(segments(text) <= MAX_SEGMENTS for text in answer)
    assert await cases(sqlite_container) == 1
    key = sms_conversation_key(sqlite_container.conversations, CITIZEN)
    assert CITIZEN not in key and key.startswith("sms:") and len(key) == 4 + 32
    async with sqlite_container.database.unit_of_work() as repo:
        record = await repo.conversations.get(key)
    assert record is not None and record.channel == "sms"


async def test_a_replayed_message_sid_is_answered_once_and_registers_once(
        client: httpx.AsyncClient, sqlite_container: Container) -> None:
    sid, first = await file_a_report(client)
    assert first and await cases(sqlite_container) == 1
    again = await texts(client, sms_form("１", sid=sid))
    assert again == [] and await cases(sqlite_container) == 1
    async with sqlite_container.database.unit_of_work() as repo:
        lines = await repo.conversations.lines(sms_conversation_key(sqlite_container.conversations, CITIZEN))
    assert [line.text for line in lines if line.direction == "in"].count("/affirm") == 1


async def test_a_bad_or_missing_signature_is_refused_with_403(client: httpx.AsyncClient) -> None:
    form = sms_form("我要举报")
    forged = Signer(token="not-the-auth-token").request(SMS_URL, form)
    other_url = Signer().headers(f"{PUBLIC_URL}/webhooks/twilio/voice", form)
    tampered = {**Signer().request(SMS_URL, form), "content": "Body=x&" + Signer().request(SMS_URL, form)["content"]}
    for request in (forged, {**forged, "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
                    {**forged, "headers": other_url}, tampered):
        response = await client.post(**request)
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_missing_parameters_oversized_forms_and_an_unconfigured_channel(
        client: httpx.AsyncClient, sqlite_container: Container) -> None:
    form = sms_form("你好")
    del form["MessageSid"]
    response = await post(client, form)
    assert response.status_code == 400 and "MessageSid" in response.json()["detail"]
    assert CITIZEN not in response.text
    huge = await post(client, sms_form("举" * 70_000))
    assert huge.status_code == 413
    bare = create_app(sqlite_container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bare), base_url="https://testserver") as http:
        assert (await http.post(**Signer().request(SMS_URL, sms_form("你好")))).status_code == 404


async def test_stop_is_left_to_twilio_and_help_answers_briefly(
        client: httpx.AsyncClient, sqlite_container: Container) -> None:
    assert await texts(client, sms_form("STOP")) == []
    assert await texts(client, sms_form("退订")) == []
    assert await texts(client, sms_form("hello", OptOutType="START")) == []
    (help_text,) = await texts(client, sms_form("help"))
    assert "STOP" in help_text and segments(help_text) <= MAX_SEGMENTS
    async with sqlite_container.database.unit_of_work() as repo:
        assert await repo.conversations.get(sms_conversation_key(sqlite_container.conversations, CITIZEN)) is None


async def test_mms_media_is_fetched_and_stored_as_evidence(
        client: httpx.AsyncClient, twilio_api: FakeTwilioApi, tmp_path: Path) -> None:
    content = b"\xff\xd8\xff" + b"jpeg" * 1000
    url = twilio_api.add_media("ME1", "image/jpeg", content)
    too_big = twilio_api.add_media("ME2", "image/png", b"x" * (CAP + 1))
    answer = await texts(client, sms_form("诈骗网站截图", NumMedia="2", MediaUrl0=url, MediaContentType0="image/jpeg",
                                          MediaUrl1=too_big, MediaContentType1="image/png"))
    digest = hashlib.sha256(content).hexdigest()
    assert (tmp_path / "evidence" / digest[:2] / digest).read_bytes() == content
    assert "附件未能接收" in answer[0]  # the second item was over the cap
    assert twilio_api.media_requests[0] is not None  # Twilio's own media host gets the account's basic auth


async def test_long_replies_are_split_into_messages_of_a_few_segments() -> None:
    text = "\n".join(f"{n}. " + "很长的中文内容" * 6 for n in range(12))
    parts = split_sms(text)
    assert len(parts) > 1 and all(segments(part) <= MAX_SEGMENTS for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("中" * 70) == 1
    assert segments("中" * 71) == 2


async def test_an_agent_answer_reaches_the_citizen_through_the_twilio_rest_api(
        client: httpx.AsyncClient, channel: TwilioChannel, twilio_api: FakeTwilioApi,
        sqlite_container: Container) -> None:
    sqlite_container.outbounds["sms"] = channel.sms_outbound
    _sid, answer = await file_a_report(client)
    await sqlite_container.desk.message_case(tracking_number(answer), "ann", "您好，我们已核实该网站，正在处理。")
    assert sqlite_container.sender is not None
    await sqlite_container.sender.send_due()
    assert twilio_api.texts_to(CITIZEN) == ["您好，我们已核实该网站，正在处理。"]
    assert twilio_api.sent[0].from_ == FROM_NUMBER


async def test_a_landline_is_noted_on_the_case_as_undeliverable(
        client: httpx.AsyncClient, channel: TwilioChannel, twilio_api: FakeTwilioApi,
        sqlite_container: Container) -> None:
    sqlite_container.outbounds["sms"] = channel.sms_outbound
    twilio_api.refusals[CITIZEN] = (400, 21614, "'To' number is not a valid mobile number")
    _sid, answer = await file_a_report(client)
    await sqlite_container.desk.message_case(tracking_number(answer), "ann", "经核查，该网站已关停。")
    assert sqlite_container.sender is not None
    await sqlite_container.sender.send_due()
    async with sqlite_container.database.connect() as connection:
        state = (await connection.execute(select(outbound_messages.c.state))).scalar_one()
        notes = [row.text for row in await connection.execute(select(case_notes.c.text))]
    assert state == "undeliverable" and twilio_api.sent == []
    assert any("could not be delivered" in note and "21614" in note for note in notes)


async def test_busy_or_failing_twilio_defers_and_foreign_routes_are_undeliverable(
        channel: TwilioChannel, twilio_api: FakeTwilioApi) -> None:
    for status in (429, 503):
        twilio_api.failures.append(status)
        with pytest.raises(DeliveryDeferred):
            await channel.sms_outbound.send(f"sms:{CITIZEN}", [Reply("稍后重试")], {})
    with pytest.raises(Undeliverable):
        await channel.sms_outbound.send("voice:CA0123", [Reply("x")], {})
    await channel.sms_outbound.send(f"sms:{CITIZEN}", [Reply("到了")], {})
    assert twilio_api.texts_to(CITIZEN) == ["到了"]
