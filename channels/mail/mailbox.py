"""The complaint mailbox: an aiosmtpd server on the running event loop.

250 is answered only after the raw message is stored and the core has the message; 451 when storage
fails, so that the sending server keeps the message and retries. Logs carry reasons and sizes only:
never an address, never content (aiosmtpd's own INFO lines name the addresses, so they are muted).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from channels.mail.intake import MailIntake
from channels.mail.mime import MailRejected
from intake_core.errors import StorageUnavailable
from intake_core.ports import RequestLimiter

log = logging.getLogger(__name__)

AIOSMTPD_LOGGER = "mail.log"


@dataclass(frozen=True, slots=True)
class MailboxConfig:
    host: str = "127.0.0.1"
    port: int = 2525
    addresses: tuple[str, ...] = ("complaints@localhost",)
    max_message_bytes: int = 25 * 1024 * 1024
    max_recipients: int = 20
    timeout_seconds: float = 300.0
    tls_cert: Path | None = None
    tls_key: Path | None = None
    hostname: str | None = None  # greeting name; default: the machine's FQDN
    senders_per_minute: int = 0  # emails one envelope sender may deliver per minute; 0 = no limit
    accepted: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "accepted", frozenset(a.strip().lower() for a in self.addresses if a.strip()))


class MailboxHandler:
    """aiosmtpd handler hooks: recipients, then the whole message."""

    def __init__(self, intake: MailIntake, config: MailboxConfig, limiter: RequestLimiter | None = None) -> None:
        self.intake = intake
        self.config = config
        self.limiter = limiter
        self.accepted = 0
        self.refused = 0

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          mail_options: list[str]) -> str:
        if self.limiter is not None and self.config.senders_per_minute > 0:
            sender = self.intake.conversations.sender_digest("email", address.strip().lower())
            if await self.limiter.allow("mail", sender, self.config.senders_per_minute) is not None:
                self.refused += 1
                log.info("email sender over its rate, asked to retry later")
                # A temporary refusal: the sending server keeps the message and tries again later.
                return "450 4.7.1 Too many messages from this sender, please try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address.strip().lower() not in self.config.accepted:
            return "550 5.1.1 No such mailbox here"
        if len(envelope.rcpt_tos) >= self.config.max_recipients:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(envelope.content, bytes) and not raw:
            raw = envelope.content
        started = time.perf_counter()
        try:
            outcome = await self.intake.accept(raw, envelope.mail_from)
        except MailRejected as rejected:
            self.refused += 1
            log.info("email refused", extra={"code": rejected.code, "reason": rejected.reason, "size": len(raw)})
            status = "5.3.4" if rejected.code == 552 else "5.6.0"
            return f"{rejected.code} {status} {rejected.reason}"
        except (StorageUnavailable, OSError) as error:
            log.warning("email not stored, sender will retry",
                        extra={"error": type(error).__name__, "size": len(raw)})
            return "451 4.3.0 Temporary storage failure, please retry"
        except Exception as error:  # noqa: BLE001 - one bad message must not end the server
            log.error("email intake failed", extra={"error": type(error).__name__, "size": len(raw)})
            return "451 4.3.0 Temporary failure, please retry"
        self.accepted += 1
        log.info("email accepted", extra={"size": len(raw), "answered": outcome.answered,
                                          "reason": outcome.reason, "waiting_for": outcome.waiting_for,
                                          "elapsed_ms": round((time.perf_counter() - started) * 1000)})
        return "250 2.0.0 Message accepted"


class Mailbox:
    """Listens on the running loop; `start()` returns once the port is bound."""

    def __init__(self, intake: MailIntake, config: MailboxConfig, limiter: RequestLimiter | None = None) -> None:
        self.config = config
        self.handler = MailboxHandler(intake, config, limiter)
        self.intake = intake
        self._server: asyncio.Server | None = None
        self._hostname = config.hostname or "localhost"

    @property
    def port(self) -> int:
        """The bound port (useful with port 0)."""
        if self._server is None or not self._server.sockets:
            return self.config.port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        if self._server is not None:
            return
        muted = logging.getLogger(AIOSMTPD_LOGGER)
        if muted.getEffectiveLevel() < logging.WARNING:
            muted.setLevel(logging.WARNING)
        loop = asyncio.get_running_loop()
        if self.config.hostname is None:  # once: aiosmtpd would look it up for every connection
            self._hostname = await asyncio.to_thread(socket.getfqdn)
        tls = self._tls_context()
        self._server = await loop.create_server(lambda: self._protocol(loop, tls), self.config.host,
                                                self.config.port)
        log.info("mailbox listening", extra={"port": self.port, "starttls": tls is not None})

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            # Open sessions end with the loop; waiting for them could hang on an idle client.
            await asyncio.sleep(0)

    def _protocol(self, loop: asyncio.AbstractEventLoop, tls: ssl.SSLContext | None) -> Any:
        return SMTP(self.handler, data_size_limit=self.config.max_message_bytes, enable_SMTPUTF8=True,
                    hostname=self._hostname, ident="intake mailbox", tls_context=tls,
                    require_starttls=False, timeout=self.config.timeout_seconds, loop=loop)

    def _tls_context(self) -> ssl.SSLContext | None:
        if not (self.config.tls_cert and self.config.tls_key):
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.config.tls_cert), str(self.config.tls_key))
        return context
