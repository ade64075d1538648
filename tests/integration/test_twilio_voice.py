"""The voice channel end to end: a call as the sequence of signed webhook posts Twilio makes, each
answered with TwiML that is parsed as XML and followed the way Twilio would follow it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from channels.twilio import TwilioChannel
from channels.twilio.addressing import voice_conversation_key
from config.app import create_app
from config.wiring import Container
from intake_core.crypto import IdentityOpener
from intake_core.evidence_store import FileEvidenceStore
from intake_core.storage.tables import case_notes, outbound_messages
from tests.fake_twilio_api import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, PUBLIC_URL, Signer

VOICE = f"{PUBLIC_URL}/webhooks/twilio/voice"
CALLER = "+8613900139000"
CALL = "CA" + "7" * 32


@pytest.fixture
async def client(sqlite_container: Container, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    channel = TwilioChannel(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, PUBLIC_URL, sqlite_container.conversations,
                            FileEvidenceStore(tmp_path / "evidence", max_bytes=64 * 1024))
    app: FastAPI = create_app(sqlite_container)
    app.state.twilio = channel
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as http:
        yield http
    await channel.stop()


class Call:
    """One caller's call: posts what Twilio posts and keeps the TwiML it got back."""

    def __init__(self, client: httpx.AsyncClient, sid: str = CALL) -> None:
        self.client = client
        self.sid = sid
        self.twiml: ET.Element = ET.Element("Response")

    async def post(self, url: str, **params: str) -> httpx.Response:
        form = {"CallSid": self.sid, "AccountSid": ACCOUNT_SID, "From": CALLER, "To": FROM_NUMBER, **params}
        return await self.client.post(**Signer().request(url, form))

    async def follow(self, url: str, **params: str) -> ET.Element:
        response = await self.post(url, **params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        self.twiml = ET.fromstring(response.text)
        assert self.twiml.tag == "Response"
        return self.twiml

    async def start(self) -> ET.Element:
        return await self.follow(VOICE, CallStatus="ringing")

    @property
    def gather(self) -> ET.Element:
        gather = self.twiml.find("Gather")
        assert gather is not None, ET.tostring(self.twiml, encoding="unicode")
        return gather

    async def say(self, speech: str, confidence: float = 0.92) -> ET.Element:
        return await self.follow(self.gather.attrib["action"], SpeechResult=speech, Confidence=str(confidence))

    async def press(self, digits: str) -> ET.Element:
        return await self.follow(self.gather.attrib["action"], Digits=digits)

    def spoken(self) -> str:
        return " ".join(say.text or "" for say in self.twiml.iter("Say"))


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


async def test_the_incoming_call_greets_and_gathers_speech_and_keys_in_chinese(client: httpx.AsyncClient) -> None:
    call = Call(client)
    twiml = await call.start()
    gather = call.gather
    assert gather.attrib["input"] == "speech dtmf" and gather.attrib["language"] == "zh-CN"
    assert gather.attrib["speechTimeout"] == "auto" and gather.attrib["actionOnEmptyResult"] == "true"
    assert gather.attrib["action"].startswith(f"{VOICE}/gather?") and gather.attrib["numDigits"] == "1"
    assert query_of(gather.attrib["action"]) == {"step": ["1"], "mode": ["menu"], "l": ["zh"]}
    assert all(say.attrib["language"] == "zh-CN" for say in twiml.iter("Say"))
    assert "举报请按2" in call.spoken()


async def test_a_whole_anonymous_call_with_keys_speech_read_back_and_recording(
        client: httpx.AsyncClient, sqlite_container: Container) -> None:
    call = Call(client)
    await call.start()
    await call.press("2")  # 举报
    assert "请选择最符合的类别" in call.spoken()
    await call.press("10")  # 诈骗, keyed with the menu number
    await call.say("fake-bank.example.cn")
    record = call.twiml.find("Record")
    assert record is not None and record.attrib["transcribe"] == "true"
    assert record.attrib["transcribeCallback"].startswith(f"{VOICE}/transcription?step=4")
    assert record.attrib["action"].startswith(f"{VOICE}/recording?step=4")
    await call.follow(record.attrib["action"], RecordingUrl="https://api.twilio.com/rec/RE1", RecordingDuration="41")
    redirect = call.twiml.find("Redirect")
    assert redirect is not None and call.twiml.find("Pause") is not None
    await call.follow(redirect.text or "")  # not transcribed yet: hold on
    redirect = call.twiml.find("Redirect")
    assert redirect is not None
    done = await call.post(record.attrib["transcribeCallback"], TranscriptionStatus="completed",
                           TranscriptionText="这个网站冒充银行骗取验证码，我差点被骗", RecordingSid="RE1")
    assert done.status_code == 204
    await call.follow(redirect.text or "")
    assert "什么时候发生" in call.spoken()

    await call.say("昨天下午三点", confidence=0.41)  # unsure: read back before it counts
    readback = call.gather
    assert readback.attrib["input"] == "dtmf" and readback.attrib["numDigits"] == "1"
    assert "您说的是：昨天下午三点。确认请按1" in call.spoken()
    await call.press("1")
    assert "按1，匿名提交，按2，留下联系方式" in call.spoken()
    assert query_of(call.gather.attrib["action"])["c"] == ["/anonymous|/give_contact"]
    await call.press("1")
    assert "请核对" in call.spoken() and "按1，确认提交" in call.spoken()
    await call.press("1")

    assert call.twiml[-1].tag == "Hangup" and "受理编号" in call.spoken()
    says = [say.text or "" for say in call.twiml.iter("Say")]
    groups = [text for text in says if len(text) == 7 and text.replace("，", "").isdigit()]
    assert len(groups) == 8 and groups[:4] == groups[4:]  # four groups of the receipt, read twice
    assert len(call.twiml.findall("Pause")) >= 8

    async with sqlite_container.database.unit_of_work() as repo:
        assert await repo.count_cases() == 1
        record_ = await repo.conversations.get(voice_conversation_key(sqlite_container.conversations, CALL))
        lines = await repo.conversations.lines(voice_conversation_key(sqlite_container.conversations, CALL))
    assert record_ is not None and record_.contact_route is not None
    opener = IdentityOpener(sqlite_container.keys.identity_private)  # type: ignore[arg-type]
    assert opener.open(record_.contact_route).contact_route == f"voice:{CALL}"  # never the calling number
    assert all(CALLER not in line.text for line in lines)


async def test_a_retried_callback_is_one_turn(client: httpx.AsyncClient, sqlite_container: Container) -> None:
    call = Call(client)
    await call.start()
    action = call.gather.attrib["action"]
    first = await call.follow(action, Digits="2")
    again = await call.follow(action, Digits="2")
    assert first.find("Gather") is not None and again.find("Gather") is not None
    async with sqlite_container.database.unit_of_work() as repo:
        lines = await repo.conversations.lines(voice_conversation_key(sqlite_container.conversations, CALL))
    assert [line.text for line in lines if line.direction == "in"] == ["我要举报"]


async def test_hanging_up_mid_form_puts_the_call_in_the_human_queue(
        client: httpx.AsyncClient, sqlite_container: Container) -> None:
    call = Call(client)
    await call.start()
    await call.press("1")  # 投诉
    await call.say("服务质量")
    response = await call.post(f"{VOICE}/status", CallStatus="completed", CallDuration="40")
    assert response.status_code == 204
    await sqlite_container.relay.publish_pending()
    while await sqlite_container.dispatcher.run_once():
        pass
    (item,) = await sqlite_container.desk.queue(kind="live")
    assert item.channel == "voice" and item.conversation_key == voice_conversation_key(
        sqlite_container.conversations, CALL)
    # A finished call, or one that said nothing, queues nothing.
    quiet = Call(client, sid="CA" + "8" * 32)
    await quiet.start()
    assert (await quiet.post(f"{VOICE}/status", CallStatus="completed")).status_code == 204
    await sqlite_container.relay.publish_pending()
    while await sqlite_container.dispatcher.run_once():
        pass
    assert len(await sqlite_container.desk.queue(kind="live")) == 1


async def test_an_answer_to_a_caller_is_noted_as_undeliverable(
        client: httpx.AsyncClient, sqlite_container: Container) -> None:
    call = Call(client)
    await call.start()
    for digits in ("2", "10"):
        await call.press(digits)
    await call.say("fake-bank.example.cn")
    record = call.twiml.find("Record")
    assert record is not None
    await call.post(record.attrib["transcribeCallback"], TranscriptionStatus="completed",
                    TranscriptionText="冒充银行骗取验证码")
    await call.follow(f"{VOICE}/await?step=4&mode=answer&l=zh")
    await call.say("2026年11月20日")
    await call.press("1")  # anonymous
    await call.press("1")  # confirmed
    assert call.twiml[-1].tag == "Hangup"
    await sqlite_container.relay.publish_pending()
    while await sqlite_container.dispatcher.run_once():
        pass
    (item,) = await sqlite_container.desk.queue()
    await sqlite_container.desk.claim(item.id, "ann")
    await sqlite_container.desk.reply(item.id, "ann", "经核查，该网站已关停。")
    assert sqlite_container.sender is not None
    await sqlite_container.sender.send_due()
    async with sqlite_container.database.connect() as connection:
        state = (await connection.execute(select(outbound_messages.c.state))).scalar_one()
        notes = [row.text for row in await connection.execute(select(case_notes.c.text))]
    assert state == "undeliverable" and any("could not be delivered" in note for note in notes)


async def test_silence_is_asked_again_then_the_call_ends(client: httpx.AsyncClient) -> None:
    call = Call(client)
    await call.start()
    await call.follow(call.gather.attrib["action"])
    assert "没有听到您的回答" in call.spoken() and query_of(call.gather.attrib["action"])["n"] == ["1"]
    await call.follow(call.gather.attrib["action"])
    await call.follow(call.gather.attrib["action"])
    assert call.twiml[-1].tag == "Hangup"


async def test_voice_webhooks_check_signature_and_parameters(client: httpx.AsyncClient) -> None:
    form = {"CallSid": CALL, "From": CALLER}
    forged = Signer(token="wrong").request(VOICE, form)
    assert (await client.post(**forged)).status_code == 403
    signed_elsewhere = {**Signer().request(VOICE, form), "url": "/webhooks/twilio/voice/gather?step=9"}
    assert (await client.post(**signed_elsewhere)).status_code == 403  # the query is signed too
    missing = await client.post(**Signer().request(f"{VOICE}/gather?step=1", {"Digits": "1"}))
    assert missing.status_code == 400 and "CallSid" in missing.json()["detail"]
