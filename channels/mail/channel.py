"""Assembles the email channel from its parts; config/wiring.py calls this with settings."""

from __future__ import annotations

from pathlib import Path

from channels.mail.intake import MailIntake
from channels.mail.mailbox import Mailbox, MailboxConfig
from channels.mail.replies import ReplyLimiter
from channels.mail.sender import MailOutbound
from intake_core.conversation_service import ConversationService
from intake_core.evidence_store import FileEvidenceStore
from intake_core.ports import RequestLimiter


def build_mailbox(conversations: ConversationService, outbound: MailOutbound, evidence_dir: Path,
                  config: MailboxConfig, replies_per_hour: int = 10,
                  limiter: RequestLimiter | None = None) -> Mailbox:
    """A mailbox whose automatic replies are queued for the reply sender, which sends them through
    `outbound` (the channel's Outbound port, registered in the container)."""
    # Raw messages up to the SMTP limit are kept whole, so the store must take that size.
    store = FileEvidenceStore(evidence_dir, max_bytes=config.max_message_bytes)
    intake = MailIntake(conversations, store, ReplyLimiter(replies_per_hour), domain=outbound.domain)
    return Mailbox(intake, config, limiter)
