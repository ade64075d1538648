"""A complaint by email from the first message to the tracking number, with real SMTP clients."""

from __future__ import annotations

import asyncio
import email.utils
from pathlib import Path

import aiosmtplib
import pytest
from sqlalchemy import func, select

from channels.mail.sender import MailOutbound
from channels.mail.threads import CHANNEL
from config.wiring import Container
from intake_core.messages import Reply
from intake_core.storage.tables import cases, transcript
from tests.integration.mailbox_support import CITIZEN, MAILBOX, body_text, compose, mail_rig, smtplib_send

pytestmark = pytest.mark.asyncio

FIRST = ("我要投诉一家网店不发货",
         "你好，我要投诉。我在网店 https://shop.example.cn/store/88 下单买了一台电饭锅，"
         "付款后一直不发货，客服也不回复，要求退款没有结果。\n我希望匿名处理。\n")


async def count_cases(container: Container) -> int:
    async with container.database.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(cases))).scalar_one())


async def test_whole_complaint_with_one_round_of_what_is_missing(sqlite_container: Container) -> None:
    async with mail_rig(sqlite_container) as rig:
        first_id = email.utils.make_msgid(domain="example.com")
        answer = await aiosmtplib.send(compose(*FIRST, message_id=first_id), sender=CITIZEN,
                                       recipients=[MAILBOX], hostname="127.0.0.1", port=rig.port)
        assert answer[1].startswith("2.0.0")
        await rig.settle()
        [question] = rig.relay.to(CITIZEN)
        assert question["In-Reply-To"] == first_id
        assert question["Auto-Submitted"] == "auto-replied"
        assert "什么时候发生" in body_text(question)  # the only thing the email did not say
        assert await count_cases(sqlite_container) == 0

        reply = compose("Re: " + FIRST[0], "是2026年11月20日下午3点下的单。\n\n"
                        "------------------ 原始邮件 ------------------\n发件人: 受理平台\n发送时间: 2026年11月24日\n"
                        "主题: Re: 投诉\n\n这件事是什么时候发生的？",
                        in_reply_to=str(question["Message-ID"]))
        refused = await asyncio.to_thread(smtplib_send, rig.port, reply)
        assert refused == {}
        await rig.settle()
        acknowledgement = rig.relay.to(CITIZEN)[-1]
        text = body_text(acknowledgement)
        assert "受理编号" in text and "书面答复" in text and "回执码" in text
        async with sqlite_container.database.connect() as connection:
            row = (await connection.execute(select(cases))).one()
        assert row.tracking_no in text and row.tracking_no in str(acknowledgement["Subject"])
        assert row.category == "online_transaction" and row.target.startswith("https://shop.example.cn")
        assert acknowledgement["In-Reply-To"] == reply_id(reply)
        assert await count_cases(sqlite_container) == 1


def reply_id(raw: bytes) -> str:
    return str(email.message_from_bytes(raw)["Message-ID"])


async def test_complete_first_email_registers_at_once_and_decoded_text_lands_in_the_case(
        sqlite_container: Container) -> None:
    body = FIRST[1] + "事情发生在2026年11月20日下午3点。\n"
    async with mail_rig(sqlite_container) as rig:
        assert await asyncio.to_thread(smtplib_send, rig.port, compose(FIRST[0], body)) == {}
        await rig.settle()
        [acknowledgement] = rig.relay.to(CITIZEN)
        assert "受理编号" in body_text(acknowledgement)
        async with sqlite_container.database.connect() as connection:
            row = (await connection.execute(select(cases))).one()
            lines = (await connection.execute(select(transcript.c.text))).scalars().all()
        assert "电饭锅" in row.description
        assert any("电饭锅" in line for line in lines)


async def test_same_message_twice_registers_once_and_answers_once(sqlite_container: Container) -> None:
    raw = compose(FIRST[0], FIRST[1] + "事情发生在2026年11月20日下午3点。\n")
    async with mail_rig(sqlite_container) as rig:
        for _ in range(2):
            assert await asyncio.to_thread(smtplib_send, rig.port, raw) == {}
        # A relay that adds its own Received header delivers the same message again.
        assert await asyncio.to_thread(smtplib_send, rig.port, b"Received: from relay2.example\r\n" + raw) == {}
        await rig.settle()
        assert len(rig.relay.to(CITIZEN)) == 1
        assert await count_cases(sqlite_container) == 1


async def test_english_email_gets_english_questions(sqlite_container: Container) -> None:
    raw = compose("Complaint about an online shop",
                  "Hello, I want to complain about the online shop https://shop.example.com/s/1 which took my "
                  "money for an order and never delivered it. They refuse a refund.\n", sender="amy@example.org")
    async with mail_rig(sqlite_container) as rig:
        assert await asyncio.to_thread(smtplib_send, rig.port, raw, "amy@example.org") == {}
        await rig.settle()
        [question] = rig.relay.to("amy@example.org")
        assert "When did it happen" in body_text(question)


async def test_tracking_number_in_subject_continues_the_case_conversation(sqlite_container: Container) -> None:
    # Identified reporters only: an anonymous case keeps no link to its sender.
    identified = FIRST[1].replace("我希望匿名处理。", "我叫张伟，电话13912345678，不匿名。")
    raw = compose(FIRST[0], identified + "事情发生在2026年11月20日下午3点。\n")
    async with mail_rig(sqlite_container) as rig:
        assert await asyncio.to_thread(smtplib_send, rig.port, raw) == {}
        await rig.settle()
        async with sqlite_container.database.connect() as connection:
            row = (await connection.execute(select(cases))).one()
        follow_up = compose(f"关于 {row.tracking_no} 的进度", f"请问 {row.tracking_no} 现在办理到哪一步了？")
        assert await asyncio.to_thread(smtplib_send, rig.port, follow_up) == {}
        await rig.settle()
        async with sqlite_container.database.connect() as connection:
            keys = set((await connection.execute(select(transcript.c.conversation_key))).scalars())
        assert keys == {row.conversation_key}
        assert row.tracking_no in body_text(rig.relay.to(CITIZEN)[-1])


async def test_embedded_default_writes_replies_to_the_outbox(sqlite_container: Container, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    outbound = MailOutbound("reply@intake.example.cn", outbox)
    await outbound.send(f"{CHANNEL}:{CITIZEN}", [Reply("您好\r\nBcc: x@evil.example")], {"subject": "a\r\nBcc: y"})
    [written] = list(outbox.glob("*.eml"))
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["Bcc"] is None and message["To"] == CITIZEN
    assert not list(outbox.glob(".*.tmp"))


async def test_the_reply_lists_everything_the_email_did_not_say(sqlite_container: Container) -> None:
    body = "你好，我要投诉。网店 https://shop.example.cn/store/88 收了钱一直不发货，客服也不回复。\n"
    async with mail_rig(sqlite_container) as rig:
        assert await asyncio.to_thread(smtplib_send, rig.port, compose("投诉网店不发货", body)) == {}
        await rig.settle()
        [question] = rig.relay.to(CITIZEN)
        text = body_text(question)
        assert "还需要以下信息才能受理:发生时间、是否匿名。" in text  # both gaps, in asking order
        assert "什么时候发生" in text  # and the first question itself
        assert await count_cases(sqlite_container) == 0
