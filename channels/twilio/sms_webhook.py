"""POST /webhooks/twilio/sms: one incoming SMS or MMS, answered with TwiML.

Redelivered MessageSids are stored once and answered with an empty TwiML (nothing sent twice).
Opt-out keywords are not dialogue: Twilio answers and blocks the number itself, so the webhook
answers nothing and stores nothing; later agent answers fail at Twilio with 21610 (undeliverable)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Response
from twilio.twiml.messaging_response import MessagingResponse

from channels.twilio.addressing import SMS, sms_conversation_key
from channels.twilio.choices import COOKIE, MAX_AGE_SECONDS
from channels.twilio.media import MAX_MEDIA, MediaRefused
from channels.twilio.notices import notice
from channels.twilio.signature import SignedForm, signed_form
from channels.twilio.sms_text import HELP_WORDS, START_WORDS, STOP_WORDS, keyword, sms_messages
from intake_core.messages import InboundMessage, Reply
from intake_core.model import EvidenceItem

log = logging.getLogger(__name__)

router = APIRouter(tags=["twilio"])
TWIML = "application/xml"


def _twiml(messages: list[str]) -> Response:
    response = MessagingResponse()
    for text in messages:
        response.message(text)
    return Response(str(response), media_type=TWIML)


@router.post("/webhooks/twilio/sms", responses={
    200: {"description": "TwiML with the replies (empty for redeliveries and opt-out keywords)",
          "content": {TWIML: {}}},
    400: {"description": "Not a Twilio SMS form"}, 403: {"description": "Bad or missing X-Twilio-Signature"},
    404: {"description": "No Twilio channel configured"}, 413: {"description": "Form over 64 KB"},
    503: {"description": "Storage unavailable"}})
async def sms_webhook(form: Annotated[SignedForm, Depends(signed_form)],
                      choices: Annotated[str | None, Cookie(alias=COOKIE)] = None) -> Response:
    """Receives one SMS (or MMS) from a citizen."""
    message_sid, number, _to = form.require("MessageSid", "From", "To")
    channel = form.channel
    body = form.get("Body") or ""
    word = keyword(body)
    if form.get("OptOutType") or word in STOP_WORDS or word in START_WORDS:
        return _twiml([])  # Twilio itself confirms opt-out and opt-in
    if word in HELP_WORDS:
        return _twiml([f"{notice('zh', 'sms_help')}\n{notice('en', 'sms_help')}"])
    attachments, refused = await _media(form, message_sid)
    conversations = channel.conversations
    reception = await conversations.receive(InboundMessage(
        channel=SMS, conversation_key=sms_conversation_key(conversations, number), sender_handle=number,
        text=channel.choices.resolve(choices, body) or body, idempotency_key=f"{SMS}:{message_sid}",
        received_at=conversations.clock.now(), attachments=attachments,
        metadata={"kind": "mms" if attachments else "text", "message_sid": message_sid}))
    if reception.replayed or reception.held_by_agent:
        return _twiml([])  # a redelivery was answered the first time; an agent answers by REST
    replies = [*([Reply(notice(reception.locale, "sms_media_refused"))] if refused else []), *reception.replies]
    response = _twiml(sms_messages(replies, reception.locale))
    cookie = channel.choices.encode(replies)
    if cookie:
        response.set_cookie(COOKIE, cookie, max_age=MAX_AGE_SECONDS, httponly=True, secure=True, samesite="strict")
    elif choices:
        response.delete_cookie(COOKIE)  # a later bare number means itself (a category number, a phone)
    return response


async def _media(form: SignedForm, message_sid: str) -> tuple[tuple[EvidenceItem, ...], bool]:
    """The message's media as evidence; True when an item could not be taken (the citizen is told)."""
    count = form.get("NumMedia") or "0"
    if not count.isdigit():
        return (), False
    items: list[EvidenceItem] = []
    refused = False
    for index in range(min(int(count), MAX_MEDIA)):
        url = form.get(f"MediaUrl{index}")
        if not url:
            continue
        media_type = form.get(f"MediaContentType{index}") or "application/octet-stream"
        try:
            items.append(await form.channel.media.fetch(url, media_type, f"mms-{message_sid}-{index}"))
        except MediaRefused as error:
            log.info("mms media not taken", extra={"reason": str(error)})
            refused = True
    return tuple(items), refused
