"""Bounces of our replies: a failure report naming a staff answer makes it undeliverable, noted on the
case and waiting behind the receipt; delay reports and forged references change nothing."""

from __future__ import annotations

import asyncio
from email.message import Message

import pytest
from sqlalchemy import select

from config.wiring import Container
from intake_core.storage.tables import case_notes, cases, outbound_messages
from tests.integration.mailbox_support import CITIZEN, FROM, MailRig, body_text, compose, mail_rig, smtplib_send

COMPLAINT = ("我要投诉一家网店不发货",
             "你好，我要投诉。我在网店 https://shop.example.cn/store/88 下单买了一台电饭锅，付款后一直不发货。"
             "事情发生在2026年11月20日下午3点。\n我希望匿名处理。\n")
ANSWER = "我们已联系商家，商家承诺三日内发货。"


def failure_report(original: Message, action: str = "failed") -> bytes:
    status = "5.1.1" if action == "failed" else "4.4.1"
    return (
        "Return-Path: <>\r\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        f"To: {FROM}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-77@mx.example.com>\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nYour message could not be delivered.\r\n\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {CITIZEN}\r\nAction: {action}\r\nStatus: {status}\r\n\r\n"
        "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {original['From']}\r\nTo: {original['To']}\r\nMessage-ID: {original['Message-ID']}\r\n\r\n"
        "--b1--\r\n").encode()


async def staff_answer_sent(container: Container, rig: MailRig) -> tuple[str, Message]:
    assert await asyncio.to_thread(smtplib_send, rig.port, compose(*COMPLAINT)) == {}
    await rig.settle()
    async with container.database.connect() as connection:
        tracking_no = (await connection.execute(select(cases.c.tracking_no))).scalar_one()
    await container.desk.message_case(tracking_no, "ann", ANSWER)
    await rig.settle()
    [answer] = [m for m in rig.relay.to(CITIZEN) if ANSWER in body_text(m)]
    return tracking_no, answer


async def answer_state(container: Container) -> str:
    async with container.database.connect() as connection:
        return str((await connection.execute(select(outbound_messages.c.state).where(
            outbound_messages.c.author == "agent:ann"))).scalar_one())


async def notes(container: Container) -> list[str]:
    async with container.database.connect() as connection:
        return list((await connection.execute(select(case_notes.c.text))).scalars())


async def test_a_bounced_staff_answer_is_noted_and_waits_behind_the_receipt(sqlite_container: Container) -> None:
    async with mail_rig(sqlite_container) as rig:
        tracking_no, answer = await staff_answer_sent(sqlite_container, rig)
        assert await answer_state(sqlite_container) == "sent"
        assert await asyncio.to_thread(smtplib_send, rig.port, failure_report(answer), "") == {}
        assert await answer_state(sqlite_container) == "undeliverable"
        assert any("could not be delivered" in note for note in await notes(sqlite_container))
        async with sqlite_container.database.unit_of_work() as repo:
            waiting = await repo.desk.undelivered_for_case(tracking_no)
        assert [row.text for row in waiting] == [ANSWER]
        await rig.settle()
        assert not [m for m in rig.relay.messages if "MAILER-DAEMON" in str(m["To"])]  # a bounce is never answered


@pytest.mark.parametrize("change", ["delayed", "forged"])
async def test_delay_reports_and_forged_references_change_nothing(sqlite_container: Container, change: str) -> None:
    async with mail_rig(sqlite_container) as rig:
        _tracking_no, answer = await staff_answer_sent(sqlite_container, rig)
        report = failure_report(answer, "delayed" if change == "delayed" else "failed")
        if change == "forged":  # another thread token: someone who guessed the message number
            token_at = report.index(b".t", report.index(b"Message-ID: <", report.index(b"rfc822-headers"))) + 2
            other = b"0" if report[token_at:token_at + 1] != b"0" else b"1"
            report = report[:token_at] + other + report[token_at + 1:]
        assert await asyncio.to_thread(smtplib_send, rig.port, report, "") == {}
        assert await answer_state(sqlite_container) == "sent"
        assert not any("could not be delivered" in note for note in await notes(sqlite_container))
