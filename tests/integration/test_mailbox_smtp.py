"""The mailbox at the SMTP level: refusals with their codes, storage failures, loops, injection, logs."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from pathlib import Path

import aiosmtplib
import pytest
from aiosmtpd.smtp import SMTP
from sqlalchemy import func, select

from channels.mail.sender import MailOutbound, RelayConfig
from config.wiring import Container
from intake_core.messages import Reply
from intake_core.ports import DeliveryDeferred, Undeliverable
from intake_core.storage.tables import transcript
from tests.integration.mailbox_support import (
    CITIZEN,
    FIXTURES,
    MAILBOX,
    body_text,
    compose,
    mail_rig,
    smtplib_send,
)

pytestmark = pytest.mark.asyncio

COMPLAINT = ("投诉网店不发货", "我要投诉网店 https://shop.example.cn/s/9 付款后不发货，也不退款。我希望匿名。")


async def transcript_lines(container: Container, direction: str | None = None) -> int:
    query = select(func.count()).select_from(transcript)
    if direction is not None:
        query = query.where(transcript.c.direction == direction)
    async with container.database.connect() as connection:
        return int((await connection.execute(query)).scalar_one())


async def test_unknown_recipient_is_refused_with_550(sqlite_container: Container) -> None:
    async with mail_rig(sqlite_container) as rig:
        outcome = await asyncio.to_thread(smtplib_send, rig.port, compose(*COMPLAINT),
                                          recipients=("someone.else@intake.example.cn",))
        assert isinstance(outcome, smtplib.SMTPRecipientsRefused)
        [(code, reason)] = outcome.recipients.values()
        assert code == 550 and reason.startswith(b"5.1.1")


async def test_too_many_recipients_get_452(sqlite_container: Container) -> None:
    async with mail_rig(sqlite_container, max_recipients=1) as rig:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=rig.port)
        async with client:
            await client.ehlo()
            await client.mail(CITIZEN)
            assert (await client.rcpt(MAILBOX)).code == 250
            with pytest.raises(aiosmtplib.SMTPRecipientRefused) as refused:
                await client.rcpt(MAILBOX)
            assert refused.value.code == 452


async def test_oversized_message_gets_552_and_nothing_is_stored(sqlite_container: Container) -> None:
    async with mail_rig(sqlite_container, max_message_bytes=100_000) as rig:
        big = compose(COMPLAINT[0], COMPLAINT[1] + "\n" + ("x" * 900 + "\n") * 200)
        outcome = await asyncio.to_thread(smtplib_send, rig.port, big)
        assert isinstance(outcome, smtplib.SMTPResponseException) and outcome.smtp_code == 552
        assert await transcript_lines(sqlite_container) == 0
        assert await asyncio.to_thread(smtplib_send, rig.port, compose(*COMPLAINT)) == {}


async def test_storage_failure_gets_451_and_the_server_keeps_serving(sqlite_container: Container,
                                                                     tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the evidence directory should be")
    async with mail_rig(sqlite_container, evidence_dir=blocker / "evidence") as rig:
        outcome = await asyncio.to_thread(smtplib_send, rig.port, compose(*COMPLAINT))
        assert isinstance(outcome, smtplib.SMTPResponseException) and outcome.smtp_code == 451
        assert await transcript_lines(sqlite_container) == 0
        rig.mailbox.intake.evidence_store.directory = tmp_path / "evidence"  # the disk is back
        assert await asyncio.to_thread(smtplib_send, rig.port, compose(*COMPLAINT)) == {}
        await rig.settle()
        assert len(rig.relay.to(CITIZEN)) == 1


async def test_database_failure_gets_451(sqlite_container: Container) -> None:
    async with mail_rig(sqlite_container) as rig:
        database_file = Path(str(sqlite_container.database.engine.url.database))
        await sqlite_container.database.dispose()
        await asyncio.to_thread(_block_database, database_file)
        outcome = await asyncio.to_thread(smtplib_send, rig.port, compose(*COMPLAINT))
        assert isinstance(outcome, smtplib.SMTPResponseException) and outcome.smtp_code == 451
        assert rig.relay.messages == []


def _block_database(database_file: Path) -> None:
    for path in database_file.parent.glob(database_file.name + "*"):
        path.unlink()
    database_file.mkdir()  # the database cannot be opened any more


async def test_auto_generated_mail_is_stored_but_never_answered(sqlite_container: Container) -> None:
    async with mail_rig(sqlite_container) as rig:
        for name in ("bounce_dsn.eml", "out_of_office.eml", "list_mail.eml"):
            raw = (FIXTURES / name).read_bytes()
            assert await asyncio.to_thread(smtplib_send, rig.port, raw) == {}
        # A null envelope sender is a bounce whatever the headers say.
        assert await asyncio.to_thread(smtplib_send, rig.port, compose(*COMPLAINT), "") == {}
        await rig.settle()
        assert rig.relay.messages == []
        assert len(list(rig.container.settings.resolved_evidence_dir.rglob("*"))) >= 4


async def test_replies_per_sender_are_rate_limited(sqlite_container: Container) -> None:
    sqlite_container.settings.var_dir.mkdir(exist_ok=True)
    async with mail_rig(sqlite_container) as rig:
        rig.mailbox.intake.limiter.per_hour = 2
        for number in range(4):
            raw = compose(f"{COMPLAINT[0]} {number}", COMPLAINT[1] + f" 第{number}封")
            assert await asyncio.to_thread(smtplib_send, rig.port, raw) == {}
        await rig.settle()
        assert len(rig.relay.to(CITIZEN)) == 2
        assert await transcript_lines(sqlite_container, "in") == 4  # all four were taken in, each once


async def test_header_injection_in_the_subject_adds_no_header_to_the_reply(sqlite_container: Container) -> None:
    raw = compose(COMPLAINT[0], COMPLAINT[1]).replace(
        b"Subject: ", b"Subject: =?utf-8?Q?x=0D=0ABcc:_victim@example.net=0D=0AX-Evil:_1?= ", 1)
    async with mail_rig(sqlite_container) as rig:
        assert await asyncio.to_thread(smtplib_send, rig.port, raw) == {}
        await rig.settle()
        [reply] = rig.relay.to(CITIZEN)
        assert reply["Bcc"] is None and reply["X-Evil"] is None
        assert rig.relay.recipients == [[CITIZEN]]
        assert "\n" not in str(reply["Subject"]) and str(reply["Subject"]).startswith("Re: ")


async def test_no_address_or_content_in_the_logs(sqlite_container: Container, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # the service default; DEBUG of the SQL drivers shows parameters
    logging.getLogger("mail.log").setLevel(logging.NOTSET)
    async with mail_rig(sqlite_container) as rig:
        assert await asyncio.to_thread(smtplib_send, rig.port, compose(*COMPLAINT)) == {}
        await asyncio.to_thread(smtplib_send, rig.port, compose(*COMPLAINT), recipients=("x@nowhere.example",))
        await rig.settle()
        assert body_text(rig.relay.to(CITIZEN)[0])
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "email accepted" in logged
    for secret in (CITIZEN, "zhang.wei", "shop.example.cn", "不发货", "x@nowhere.example"):
        assert secret not in logged


async def test_starttls_is_offered_when_a_certificate_is_configured(sqlite_container: Container,
                                                                    tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = await asyncio.create_subprocess_exec(
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
        "-keyout", str(key), "-out", str(cert), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    if await made.wait() != 0:
        pytest.fail("openssl could not make a test certificate (Debian: apt-get install openssl)", pytrace=False)
    async with mail_rig(sqlite_container, tls_cert=cert, tls_key=key) as rig:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=rig.port, start_tls=False, validate_certs=False)
        async with client:
            await client.ehlo()
            assert client.supports_extension("starttls")
            await client.starttls()
            errors, _ = await client.sendmail(CITIZEN, [MAILBOX], compose(*COMPLAINT))
            assert errors == {}


class _RefusingRelay:
    def __init__(self, answer: str) -> None:
        self.answer = answer

    async def handle_RCPT(self, server: object, session: object, envelope: object, address: str,
                          options: list[str]) -> str:
        return self.answer


@pytest.mark.parametrize(("answer", "expected"), [("550 5.1.1 No such user", Undeliverable),
                                                  ("451 4.3.0 Try later", DeliveryDeferred)])
async def test_relay_answers_map_to_the_port_errors(answer: str, expected: type[Exception], tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(_RefusingRelay(answer), hostname="relay.test", loop=loop),
                                      "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    outbound = MailOutbound("reply@intake.example.cn", tmp_path, RelayConfig("127.0.0.1", port, starttls=False))
    try:
        with pytest.raises(expected):
            await outbound.send(f"email:{CITIZEN}", [Reply("您好")], {})
    finally:
        server.close()
        await server.wait_closed()
    closed = MailOutbound("reply@intake.example.cn", tmp_path, RelayConfig("127.0.0.1", port, starttls=False))
    with pytest.raises(DeliveryDeferred):  # connection refused: try again later
        await closed.send(f"email:{CITIZEN}", [Reply("您好")], {})
    with pytest.raises(Undeliverable):
        await closed.send("telegram:123", [Reply("您好")], {})


async def test_a_sender_over_its_rate_is_asked_to_retry_later_and_nothing_is_stored(
        sqlite_container: Container) -> None:
    async with mail_rig(sqlite_container, senders_per_minute=2) as rig:
        outcomes = [await asyncio.to_thread(smtplib_send, rig.port, compose(f"{COMPLAINT[0]} {n}", COMPLAINT[1]))
                    for n in range(3)]
        assert outcomes[:2] == [{}, {}]
        assert isinstance(outcomes[2], smtplib.SMTPSenderRefused) and outcomes[2].smtp_code == 450
        assert await transcript_lines(sqlite_container, "in") == 2
        other = compose(COMPLAINT[0], COMPLAINT[1], sender="li.na@example.com")
        assert await asyncio.to_thread(smtplib_send, rig.port, other, "li.na@example.com") == {}
