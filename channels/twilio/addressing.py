"""How SMS senders and calls become conversation keys and contact routes.

A phone number is the citizen's address: it goes into `sender_handle` and the sealed contact route only,
never into conversation keys, logs or queue payloads. A call is keyed by its CallSid, and the calling
number is never handed to the core at all (see voice_webhook)."""

from __future__ import annotations

import re

from intake_core.conversation_service import ConversationService
from intake_core.ports import Undeliverable

SMS = "sms"
VOICE = "voice"
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def sms_conversation_key(conversations: ConversationService, number: str) -> str:
    return f"{SMS}:" + conversations.sender_digest(SMS, number)[:32]


def voice_conversation_key(conversations: ConversationService, call_sid: str) -> str:
    return f"{VOICE}:" + conversations.sender_digest(VOICE, call_sid)[:32]


def number_of_route(route: str) -> str:
    """The E.164 number inside "sms:<number>"; anything else cannot be reached by SMS."""
    channel, _, number = route.partition(":")
    if channel != SMS or not _E164.match(number):
        raise Undeliverable("not an SMS contact route")
    return number
