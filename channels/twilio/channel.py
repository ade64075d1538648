"""The Twilio channel: SMS and voice webhooks share one signature check, one conversation service,
the evidence store for MMS media, and the REST client for agents' SMS answers."""

from __future__ import annotations

from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels.twilio.choices import ChoiceCookie
from channels.twilio.media import MediaFetcher
from channels.twilio.sms_outbound import TwilioSmsOutbound
from intake_core.conversation_service import ConversationService
from intake_core.evidence_store import FileEvidenceStore


class TwilioChannel:
    def __init__(self, account_sid: str, auth_token: str, from_number: str | None, public_url: str,
                 conversations: ConversationService, evidence_store: FileEvidenceStore,
                 api_base: str | None = None, send_timeout: float = 10.0, media_timeout: float = 30.0,
                 client: Client | None = None) -> None:
        if not public_url.startswith(("https://", "http://")):
            raise ValueError("the Twilio channel needs the public URL Twilio calls (INTAKE_PUBLIC_URL)")
        self.public_url = public_url.rstrip("/")
        self.validator = RequestValidator(auth_token)
        self.conversations = conversations
        self.choices = ChoiceCookie(auth_token)
        self.media = MediaFetcher(evidence_store, account_sid, auth_token, api_base, timeout=media_timeout)
        self.sms_outbound = TwilioSmsOutbound(account_sid, auth_token, from_number, api_base,
                                              timeout=send_timeout, client=client)

    def url(self, path: str) -> str:
        """The absolute public URL of one of our webhook paths (Twilio signs what it calls)."""
        return self.public_url + path

    async def stop(self) -> None:
        await self.media.close()
