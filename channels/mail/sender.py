"""Email replies: the `Outbound` port of the email channel.

Through a relay with aiosmtplib, or, in the embedded default, as .eml files in an outbox directory.
Every header value that comes from citizen text is sanitised, and our Message-IDs carry the thread
token so that the citizen's answer finds its conversation again (channels.mail.threads).
"""

from __future__ import annotations

import asyncio
import email.policy
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import aiosmtplib

from channels.mail.headers import find_tracking_no, reply_subject, sanitize_header_value
from channels.mail.threads import CHANNEL
from intake_core.messages import Reply
from intake_core.ports import DeliveryDeferred, Undeliverable

_ADDRESS = re.compile(r"^[^\s@<>()\[\],;:\"\\]{1,64}@[^\s@<>()\[\],;:\"\\]{1,255}$")
_MSG_ID = re.compile(r"<[^<>\s]{1,250}>")
_TOKEN = re.compile(r"^[0-9a-f]{16}$")
MAX_REFERENCES = 10  # enough for threading; long chains only grow the header
DEFAULT_SUBJECT = "您的来信 / Your message"


@dataclass(frozen=True, slots=True)
class RelayConfig:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 30.0


def route_address(contact_route: str) -> str:
    """The address of an "email:<address>" route; Undeliverable for anything else."""
    channel, _, address = contact_route.partition(":")
    if channel != CHANNEL or not _ADDRESS.match(address):
        raise Undeliverable("no usable email address")
    return address


class MailOutbound:
    channel = CHANNEL

    def __init__(self, mail_from: str, outbox_dir: Path, relay: RelayConfig | None = None) -> None:
        if not _ADDRESS.match(mail_from):
            raise ValueError("INTAKE_MAIL_FROM must be a bare address such as complaints@example.cn")
        self.mail_from = mail_from
        self.domain = mail_from.rsplit("@", 1)[1]
        self.outbox_dir = outbox_dir
        self.relay = relay
        self.sent_ids: list[str] = []  # Message-IDs of this process's replies, newest last (bounded)

    async def send(self, contact_route: str, replies: list[Reply], thread: Mapping[str, str]) -> None:
        address = route_address(contact_route)
        if not any(reply.text.strip() for reply in replies):
            return
        message = self.compose(address, replies, thread)
        if self.relay is None:
            await asyncio.to_thread(self._write_outbox, message)
        else:
            await self._relay(message, address, self.relay)
        self.sent_ids = [*self.sent_ids[-999:], str(message["Message-ID"])]

    def compose(self, address: str, replies: list[Reply], thread: Mapping[str, str]) -> EmailMessage:
        body = "\n\n".join(_reply_text(reply) for reply in replies if reply.text.strip())
        tracking_no = thread.get("tracking_no") or find_tracking_no(body)
        message = EmailMessage(policy=email.policy.SMTP if address.isascii() else email.policy.SMTPUTF8)
        message["From"] = self.mail_from
        message["To"] = address
        message["Subject"] = reply_subject(thread.get("subject") or DEFAULT_SUBJECT, tracking_no)
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid(idstring=reply_idstring(thread), domain=self.domain)
        parent = _MSG_ID.fullmatch(thread.get("message_id", "").strip())
        references = _MSG_ID.findall(thread.get("references", ""))
        if parent:
            message["In-Reply-To"] = parent.group(0)
            references = [ref for ref in references if ref != parent.group(0)] + [parent.group(0)]
        if references:
            message["References"] = " ".join(references[-MAX_REFERENCES:])
        message["Auto-Submitted"] = "auto-replied"  # RFC 3834: other robots must not answer this
        message["X-Auto-Response-Suppress"] = "All"  # Exchange's out-of-office replies
        message.set_content(body + "\n")
        return message

    def _write_outbox(self, message: EmailMessage) -> Path:
        """Atomic: a reader of the outbox never sees half a message."""
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}.eml"
        final = self.outbox_dir / name
        temporary = self.outbox_dir / f".{name}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
        return final

    async def _relay(self, message: EmailMessage, address: str, relay: RelayConfig) -> None:
        try:
            await aiosmtplib.send(message, sender=self.mail_from, recipients=[address], hostname=relay.host,
                                  port=relay.port, username=relay.username, password=relay.password,
                                  start_tls=relay.starttls, timeout=relay.timeout)
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refused.code for refused in error.recipients]
            if codes and all(code >= 500 for code in codes):
                raise Undeliverable("the relay refused the recipient") from error
            raise DeliveryDeferred("the relay deferred the recipient") from error
        except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPSenderRefused) as error:
            raise DeliveryDeferred("the relay refused our login or sender") from error  # our configuration
        except aiosmtplib.SMTPResponseException as error:
            if error.code >= 500:
                raise Undeliverable("the relay refused the message") from error
            raise DeliveryDeferred("the relay deferred the message") from error
        except (aiosmtplib.SMTPException, OSError) as error:
            raise DeliveryDeferred("the relay is unreachable") from error


def reply_idstring(thread: Mapping[str, str]) -> str | None:
    """The token names the conversation, so a reply to this message continues it; the message
    reference lets a bounce of it find the message again (channels.mail.bounces)."""
    token, ref = thread.get("thread", ""), thread.get("message_ref", "")
    if not _TOKEN.match(token):
        return None
    return f"r{ref}.t{token}" if ref.isdigit() and len(ref) <= 18 else f"t{token}"


def _reply_text(reply: Reply) -> str:
    """Buttons become the words to answer with: email has no buttons."""
    choices = [sanitize_header_value(b.title, 60) for b in reply.buttons if not b.title.startswith("/")]
    if not choices:
        return reply.text.strip()
    return f"{reply.text.strip()}\n（可回复 / reply with: {' | '.join(choices)}）"
