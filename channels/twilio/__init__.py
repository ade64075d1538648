"""SMS and voice through Twilio: signed webhooks, TwiML answers, REST sends for agents' answers."""

from fastapi import APIRouter

from channels.twilio import sms_webhook, voice_webhook
from channels.twilio.channel import TwilioChannel
from channels.twilio.sms_outbound import TwilioSmsOutbound

router = APIRouter()
router.include_router(sms_webhook.router)
router.include_router(voice_webhook.router)

__all__ = ["TwilioChannel", "TwilioSmsOutbound", "router"]
