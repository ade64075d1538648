"""Which conversation an email belongs to.

A conversation is one sender plus one thread. The thread is named by a token that our own
Message-IDs carry, so a reply (In-Reply-To/References) finds its conversation again without
a lookup table, across restarts and replicas. The sender's digest is part of the key, so a
copied Message-ID never opens someone else's conversation.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from channels.mail.headers import find_tracking_no
from channels.mail.mime import ParsedMail
from intake_core.conversation_service import ConversationService

CHANNEL = "email"
_TOKEN = re.compile(r"\.t([0-9a-f]{16})@([^<>@\s]+)>")


def thread_token(seed: str) -> str:
    return hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:16]


def token_in(message_id: str, domain: str) -> str | None:
    """The thread token of one of our Message-IDs, None for anyone else's."""
    match = _TOKEN.search(message_id)
    if match and match.group(2).lower() == domain.lower():
        return match.group(1)
    return None


def conversation_key(conversations: ConversationService, address: str, token: str) -> str:
    return f"{CHANNEL}:{conversations.sender_digest(CHANNEL, address)[:32]}:{token}"


@dataclass(frozen=True, slots=True)
class Thread:
    conversation_key: str
    token: str
    reply: bool  # continues an earlier conversation (quoted history is stripped then)
    tracking_no: str | None = None


class ThreadResolver:
    def __init__(self, conversations: ConversationService, domain: str) -> None:
        self.conversations = conversations
        self.domain = domain

    async def resolve(self, parsed: ParsedMail, address: str, fallback_seed: str) -> Thread:
        """A reply to one of our messages, else the conversation of a case named in the subject
        (same sender only), else a new conversation seeded by the Message-ID."""
        tracking_no = find_tracking_no(parsed.subject)
        for message_id in (parsed.in_reply_to, *reversed(parsed.references)):
            token = token_in(message_id, self.domain) if message_id else None
            if token:
                return Thread(conversation_key(self.conversations, address, token), token, True, tracking_no)
        if tracking_no:
            key = await self._case_conversation(tracking_no, address)
            if key is not None:
                return Thread(key, key.rsplit(":", 1)[-1], True, tracking_no)
        token = thread_token(parsed.message_id or fallback_seed)
        return Thread(conversation_key(self.conversations, address, token), token, False, tracking_no)

    async def _case_conversation(self, tracking_no: str, address: str) -> str | None:
        digest = self.conversations.sender_digest(CHANNEL, address)
        async with self.conversations.database.unit_of_work() as repo:
            row = await repo.case_by_tracking_no(tracking_no)
        key = getattr(row, "conversation_key", None) if row is not None else None
        same_sender = row is not None and getattr(row, "sender_digest", None) == digest
        if same_sender and isinstance(key, str) and key.startswith(f"{CHANNEL}:"):
            return key
        return None

    async def form_state(self, key: str) -> tuple[str | None, str | None]:
        """(active form, requested slot) the dialogue saved for this conversation."""
        async with self.conversations.database.unit_of_work() as repo:
            record = await repo.conversations.get(key)
        state: dict[str, Any] = record.state if record is not None else {}
        form, slot = state.get("active_form"), state.get("requested_slot")
        return (form if isinstance(form, str) else None, slot if isinstance(slot, str) else None)
