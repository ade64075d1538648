"""One received email into the intake core: evidence, conversation, dialogue, and whether to reply.

Raises MailRejected (refuse the message), StorageUnavailable or OSError (answer 451, the sender
retries); everything else the caller treats as a failure of ours.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass

from channels.mail import bounces, extract
from channels.mail.email_dialogue import EmailDialogue, EmailTurns
from channels.mail.mime import MailRejected, MimeLimits, ParsedMail, loop_check, parse_message
from channels.mail.quoting import strip_quoted
from channels.mail.replies import ReplyLimiter
from channels.mail.threads import CHANNEL, Thread, ThreadResolver
from intake_core.conversation_service import ConversationService
from intake_core.errors import ValidationFailed
from intake_core.evidence_store import FileEvidenceStore
from intake_core.messages import InboundMessage
from intake_core.model import EvidenceItem

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Accepted:
    """What happened to an accepted message; reasons are fixed phrases, safe to log."""

    evidence_sha256: str
    answered: bool
    reason: str | None = None
    tracking_no: str | None = None
    waiting_for: str | None = None


class MailIntake:
    def __init__(self, conversations: ConversationService, evidence_store: FileEvidenceStore,
                 limiter: ReplyLimiter, domain: str, limits: MimeLimits | None = None) -> None:
        self.conversations = conversations
        self.evidence_store = evidence_store
        self.limiter = limiter
        self.limits = limits or MimeLimits()
        self.resolver = ThreadResolver(conversations, domain)
        self.dialogue = EmailDialogue(conversations, self.resolver)

    async def accept(self, raw: bytes, envelope_sender: str | None) -> Accepted:
        # In a thread: a large, odd message may keep the parser busy; the other channels go on meanwhile.
        parsed = await asyncio.to_thread(parse_message, raw, self.limits)
        # The raw message first: whatever happens next, what arrived is kept as it arrived.
        original = await self._store(raw)
        if parsed.failed_delivery:
            await self._bounced(raw)
            return Accepted(original.sha256, False, "delivery failure report")
        loop_reason = loop_check(envelope_sender, parsed)
        address = parsed.sender_address
        if loop_reason is not None or address is None:
            return Accepted(original.sha256, False, loop_reason or "no sender address")
        thread = await self.resolver.resolve(parsed, address, original.sha256)
        message = await self.inbound(parsed, address, thread, original)
        turns = await self.dialogue.converse(message, thread.reply)
        answered, reason = await self._answer(turns, parsed, thread, address)
        return Accepted(original.sha256, answered, reason, turns.tracking_no, turns.waiting_for)

    async def inbound(self, parsed: ParsedMail, address: str, thread: Thread,
                      original: EvidenceItem) -> InboundMessage:
        if thread.reply:
            text = strip_quoted(parsed.text)  # the history is already in the transcript
        else:
            text = "\n\n".join(part for part in (parsed.subject, parsed.text) if part.strip())
        attachments = [original]
        for attachment in parsed.attachments:
            try:
                attachments.append(await self.evidence_store.store(attachment.name, attachment.media_type,
                                                                   attachment.content))
            except ValidationFailed:
                log.warning("email attachment too large, kept only in the raw message",
                            extra={"size": attachment.size})
        content = hashlib.sha256(text.encode("utf-8", "replace"))
        for item in attachments[1:]:
            content.update(item.sha256.encode())
        # Message-ID plus body hash: the same message relayed twice (new Received headers) registers once.
        identity = f"{parsed.message_id or original.sha256}\x00{content.hexdigest()}"
        return InboundMessage(
            channel=CHANNEL, conversation_key=thread.conversation_key, sender_handle=address, text=text,
            idempotency_key=f"{CHANNEL}:{hashlib.sha256(identity.encode()).hexdigest()}",
            received_at=self.conversations.clock.now(), attachments=tuple(attachments),
            locale="en" if extract.mostly_english(text) else "zh",
            metadata={"message_id": parsed.message_id or "", "thread": thread.token})

    async def _answer(self, turns: EmailTurns, parsed: ParsedMail, thread: Thread,
                      address: str) -> tuple[bool, str | None]:
        if turns.new_steps == 0:
            return False, "redelivery"
        if turns.held_by_agent:
            return False, "held by an agent"  # the agent answers through the desk
        if not turns.replies:
            return False, "nothing to say"
        if not self.limiter.allow(self.conversations.sender_digest(CHANNEL, address)):
            return False, "reply rate limit"
        references = [*parsed.references, *([parsed.message_id] if parsed.message_id else [])]
        # One email per received email, sent durably by the reply sender after the SMTP answer: a slow
        # relay never makes the sending server retry, and a restart loses no reply.
        await self.conversations.desk.deliver_later(thread.conversation_key, [
            "\n\n".join(reply.text for reply in turns.replies if reply.text.strip())], {
            "message_id": parsed.message_id or "", "references": " ".join(references),
            "subject": parsed.subject, "thread": thread.token,
            "tracking_no": turns.tracking_no or thread.tracking_no or ""})
        return True, None

    async def _bounced(self, raw: bytes) -> None:
        """Replies of ours that the report says never arrived (see channels.mail.bounces)."""
        for message_id, token in bounces.replies_named(raw, self.resolver.domain).items():
            await self.conversations.desk.delivery_failed(message_id, CHANNEL, {"thread": token}, bounces.REASON)

    async def _store(self, raw: bytes) -> EvidenceItem:
        try:
            return await self.evidence_store.store("message.eml", "message/rfc822", raw)
        except ValidationFailed:
            raise MailRejected(552, "message too large") from None
