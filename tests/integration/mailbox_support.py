"""Shared by the mailbox tests: the running mailbox on a free loopback port, a capturing relay, clients."""

from __future__ import annotations

import asyncio
import email
import email.policy
import smtplib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage, Message, MIMEPart
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from channels.mail.channel import build_mailbox
from channels.mail.mailbox import Mailbox, MailboxConfig
from channels.mail.sender import MailOutbound, RelayConfig
from config.wiring import Container

MAILBOX = "complaints@intake.example.cn"
FROM = "reply@intake.example.cn"
CITIZEN = "zhang.wei@example.com"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


@dataclass
class CapturingRelay:
    """A second aiosmtpd on loopback: the relay our replies go to."""

    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m, rcpt in zip(self.messages, self.recipients, strict=True) if address in rcpt]


@dataclass
class MailRig:
    mailbox: Mailbox
    relay: CapturingRelay
    outbound: MailOutbound
    container: Container

    @property
    def port(self) -> int:
        return self.mailbox.port

    async def settle(self) -> None:
        """Sends the queued replies now (in the service the reply sender does so in the background)."""
        assert self.container.sender is not None
        while await self.container.sender.send_due():
            pass


async def _serve(handler: Any) -> asyncio.Server:
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: SMTP(handler, hostname="relay.test", loop=loop), "127.0.0.1", 0)


@asynccontextmanager
async def mail_rig(container: Container, evidence_dir: Path | None = None, **config: Any) -> AsyncIterator[MailRig]:
    relay = CapturingRelay()
    relay_server = await _serve(relay)
    relay_port = relay_server.sockets[0].getsockname()[1]
    outbound = MailOutbound(FROM, container.settings.var_dir / "outbox",
                            RelayConfig("127.0.0.1", relay_port, starttls=False, timeout=5.0))
    options: dict[str, Any] = {"host": "127.0.0.1", "port": 0, "addresses": (MAILBOX,), "hostname": "mx.test"}
    options.update(config)
    container.outbounds["email"] = outbound
    mailbox = build_mailbox(container.conversations, outbound,
                            evidence_dir or container.settings.resolved_evidence_dir, MailboxConfig(**options),
                            limiter=container.limiter)
    await mailbox.start()
    try:
        yield MailRig(mailbox, relay, outbound, container)
    finally:
        await mailbox.stop()
        relay_server.close()


def compose(subject: str, body: str, sender: str = CITIZEN, message_id: str | None = None,
            in_reply_to: str | None = None, **headers: str) -> bytes:
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = f"张伟 <{sender}>"
    message["To"] = MAILBOX
    message["Subject"] = subject
    message["Message-ID"] = message_id or email.utils.make_msgid(domain="example.com")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def smtplib_send(port: int, raw: bytes, sender: str = CITIZEN, recipients: tuple[str, ...] = (MAILBOX,)) -> Any:
    """Blocking client (run it with asyncio.to_thread); returns the refused dict or the exception."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        try:
            return client.sendmail(sender, list(recipients), raw)
        except smtplib.SMTPResponseException as error:
            return error
        except smtplib.SMTPRecipientsRefused as error:
            return error


def body_text(message: Message) -> str:
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("plain",))
    assert isinstance(part, MIMEPart)
    return str(part.get_content())
