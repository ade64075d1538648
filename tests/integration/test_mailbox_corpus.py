"""Every message of the corpus (tests/fixtures/mail) through the running mailbox: registered or refused
with a clear SMTP code, machine mail never answered, decoded text in the transcript, server still up."""

from __future__ import annotations

import asyncio
import smtplib
from pathlib import Path

import pytest
from sqlalchemy import select

from config.wiring import Container
from intake_core.storage.tables import transcript
from tests.integration.mailbox_support import FIXTURES, MAILBOX, mail_rig, smtplib_send

pytestmark = pytest.mark.asyncio

REFUSED = {"deeply_nested_depth12.eml": 554, "too_many_parts_150.eml": 554}
NOT_ANSWERED = {"bounce_dsn.eml", "out_of_office.eml", "list_mail.eml"}
# Decoded text that must reach the transcript: charsets, encoded words, HTML, quoting.
DECODED = {
    "gb2312_body.eml": "占道经营",
    "gbk_body.eml": "王喆",
    "gb18030_rare_chars.eml": "䶮记杂货店",
    "big5_traditional.eml": "廚房有老鼠",
    "mislabelled_gb2312_gbk.eml": "朱镕",
    "no_charset_gbk.eml": "往窗外扔垃圾",
    "html_only_script_style.eml": "虚假招聘",
    "quoted_printable_chinese.eml": "多收检查费三百元",
    "encoded_word_subject_gb2312.eml": "垃圾长期无人清运",
    "iso2022jp_body.eml": "騒音",
    "plain_utf8_complaint.eml": "夜间施工",
    "utf8_raw_headers.eml": "公交站旁边",
}
NEVER_IN_TRANSCRIPT = ("alert(", "font-family")  # script and style of the HTML-only message


def envelope_sender(raw: bytes) -> str:
    for line in raw.split(b"\n"):
        if line.lower().startswith(b"return-path:") and b"<>" in line:
            return ""
    return "sender@example.com"


async def test_the_whole_corpus(sqlite_container: Container) -> None:
    fixtures = sorted(FIXTURES.glob("*.eml"))
    assert len(fixtures) >= 20
    async with mail_rig(sqlite_container) as rig:
        rig.mailbox.intake.limiter.per_hour = 1000
        codes: dict[str, int] = {}
        for path in fixtures:
            raw = path.read_bytes()
            outcome = await asyncio.to_thread(smtplib_send, rig.port, raw, envelope_sender(raw))
            if isinstance(outcome, smtplib.SMTPResponseException):
                codes[path.name] = outcome.smtp_code
            else:
                assert outcome == {}, path.name
                codes[path.name] = 250
        await rig.settle()
        assert await asyncio.to_thread(_noop, rig.port) == 250  # still serving
        expected = {path.name: REFUSED.get(path.name, 250) for path in fixtures}
        assert codes == expected
        answered = len(fixtures) - len(REFUSED) - len(NOT_ANSWERED)
        assert len(rig.relay.messages) == answered
        assert all(message["Auto-Submitted"] == "auto-replied" for message in rig.relay.messages)
        async with sqlite_container.database.connect() as connection:
            lines = "\n".join((await connection.execute(select(transcript.c.text))).scalars())
        for name, snippet in DECODED.items():
            assert snippet in lines, name
        for fragment in NEVER_IN_TRANSCRIPT:
            assert fragment not in lines
        assert "\x00" not in lines and "\x1b" not in lines
        assert "Weekly digest" not in lines and "休假" not in lines  # machine mail is kept, not conversed


async def test_bad_input_gets_a_code_never_a_crash(sqlite_container: Container, tmp_path: Path) -> None:
    bomb_nested = _nested(1000)
    bomb_parts = _many_parts(10_000)
    long_line = (b"From: a@example.com\r\nTo: " + MAILBOX.encode() + b"\r\nSubject: long\r\n\r\n"
                 + b"x" * 100_000 + b"\r\n")
    outlook_msg = (b"From: b@example.com\r\nTo: " + MAILBOX.encode() + b"\r\nSubject: msg\r\n"
                   b"Content-Type: application/vnd.ms-outlook\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                   b"0M8R4KGxGuEAAAAAAAAAAAAAAAAAAAAAPgADAP7/CQAGAAAAAAAAAAAAAAA=\r\n")
    async with mail_rig(sqlite_container) as rig:
        results = [await asyncio.to_thread(smtplib_send, rig.port, raw)
                   for raw in (bomb_nested, bomb_parts, long_line, outlook_msg)]
        codes = [r.smtp_code if isinstance(r, smtplib.SMTPResponseException) else 250 for r in results]
        assert codes[0] == 554 and codes[1] == 554
        assert codes[2] in (250, 500)  # aiosmtpd refuses lines over 1,000 bytes (RFC 5321 4.5.3.1.6)
        assert codes[3] == 250  # kept as evidence; the reply asks what it is about
        await rig.settle()
        assert await asyncio.to_thread(_noop, rig.port) == 250


def _nested(depth: int) -> bytes:
    head = b"From: c@example.com\r\nTo: " + MAILBOX.encode() + b"\r\nSubject: bomb\r\nMIME-Version: 1.0\r\n"
    body = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(depth))
    return head + body + b"Content-Type: text/plain\r\n\r\nx\r\n"


def _many_parts(count: int) -> bytes:
    head = (b"From: d@example.com\r\nTo: " + MAILBOX.encode()
            + b'\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n')
    part = b"--p\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return head + part * count + b"--p--\r\n"


def _noop(port: int) -> int:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        return int(client.noop()[0])
