"""How a Telegram chat becomes a conversation key, a contact route and a locale.

The raw chat id is the citizen's address: it goes into `sender_handle` and the sealed contact route
only, never into conversation keys, logs or queue payloads."""

from __future__ import annotations

from intake_core.conversation_service import ConversationService
from intake_core.ports import Undeliverable

CHANNEL = "telegram"


def conversation_key(conversations: ConversationService, chat_id: int) -> str:
    return f"{CHANNEL}:" + conversations.sender_digest(CHANNEL, str(chat_id))[:32]


def contact_route(chat_id: int) -> str:
    return f"{CHANNEL}:{chat_id}"


def chat_of_route(route: str) -> int:
    """The chat id inside "telegram:<chat_id>"; anything else cannot be reached through this bot."""
    channel, _, address = route.partition(":")
    try:
        if channel == CHANNEL:
            return int(address)
    except ValueError:
        pass
    raise Undeliverable("not a telegram contact route")


def locale_of(language_code: str | None) -> str | None:
    """The dialogue speaks zh and en; other client languages let the conversation keep its own."""
    code = (language_code or "").lower()
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    return None
