"""Agents' answers to SMS citizens, sent through Twilio's REST API (the `Outbound` port).

The SDK's client is synchronous (requests); each call runs in a worker thread so the event loop never
blocks. Opt-out is Twilio's business: after STOP it refuses the number with error 21610, which counts
as undeliverable like a landline or an invalid number."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from channels.twilio.addressing import SMS, number_of_route
from channels.twilio.sms_text import split_sms
from intake_core.messages import Reply
from intake_core.ports import DeliveryDeferred, Undeliverable

log = logging.getLogger(__name__)

# Twilio error codes meaning "this number will never take an SMS from us".
UNREACHABLE = {
    21211: "not a valid phone number",
    21214: "not a reachable phone number",
    21408: "sending to this region is not enabled",
    21610: "the citizen opted out (STOP)",
    21612: "this number cannot be reached from our sender",
    21614: "not a mobile number",
    30003: "the handset is unreachable",
    30005: "unknown destination",
    30006: "a landline or unreachable carrier",
}


class TwilioSmsOutbound:
    channel = SMS

    def __init__(self, account_sid: str, auth_token: str, from_number: str | None, api_base: str | None = None,
                 timeout: float = 10.0, client: Client | None = None) -> None:
        self.from_number = from_number
        self.client = client or Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if api_base:
            self.client.api.base_url = api_base.rstrip("/")

    async def send(self, contact_route: str, replies: list[Reply], thread: Mapping[str, str]) -> None:
        number = number_of_route(contact_route)
        if not self.from_number:
            raise DeliveryDeferred("no Twilio sending number is configured")
        for reply in replies:
            for part in split_sms(reply.text):  # an agent's answer is split, never cut
                await asyncio.to_thread(self._create, number, part)

    def _create(self, number: str, body: str) -> str:
        """One message; returns its sid. Runs in a worker thread."""
        try:
            message = self.client.messages.create(to=number, from_=self.from_number, body=body)
        except TwilioRestException as error:
            raise _classified(error) from error
        except (requests.RequestException, TwilioException) as error:
            raise DeliveryDeferred(f"twilio unreachable ({type(error).__name__})") from error
        return str(message.sid)


def _classified(error: TwilioRestException) -> Exception:
    code = int(error.code) if isinstance(error.code, int | str) and str(error.code).isdigit() else None
    if code in UNREACHABLE:
        return Undeliverable(f"twilio error {code}: {UNREACHABLE[code]}")
    if error.status == 429 or error.status >= 500:
        return DeliveryDeferred(f"twilio answered {error.status}")
    if error.status in (401, 403):
        # Our credentials, not the citizen: retrying after the operator fixes them will work.
        return DeliveryDeferred(f"twilio refused our credentials ({error.status})")
    log.warning("twilio refused a message", extra={"status": error.status, "code": code})
    return Undeliverable(f"twilio refused the message (status {error.status}, code {code})")
