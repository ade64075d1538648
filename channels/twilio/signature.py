"""Webhook authentication: Twilio signs the URL it called plus the POSTed form with the auth token.

The URL Twilio called is the public one (behind the load balancer the app sees another host), so it is
rebuilt from the configured public URL and the request's path and query."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER, get_signature_algorithm

if TYPE_CHECKING:
    from channels.twilio.channel import TwilioChannel

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 64 * 1024  # a webhook form is a few hundred bytes; 10 media URLs stay far below this
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class SignedForm:
    """A webhook form whose signature checked out, and the channel it is for."""

    channel: TwilioChannel
    params: ImmutableMultiDict[str, str]
    query: ImmutableMultiDict[str, str]

    def get(self, name: str) -> str | None:
        return self.params.get(name)

    def require(self, *names: str) -> list[str]:
        """The values of required parameters; 400 naming the missing ones (never echoing values)."""
        missing = [name for name in names if not self.params.get(name)]
        if missing:
            raise HTTPException(400, f"missing parameter(s): {', '.join(missing)}")
        return [self.params[name] for name in names]


async def _capped_body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_FORM_BYTES:
        raise HTTPException(413, f"webhook forms are limited to {MAX_FORM_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:  # also without a (truthful) Content-Length
            raise HTTPException(413, f"webhook forms are limited to {MAX_FORM_BYTES} bytes")
    return bytes(body)


def _pairs(raw: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError) as error:
        raise HTTPException(400, "the form is not valid URL-encoded UTF-8") from error


async def signed_form(request: Request) -> SignedForm:
    """FastAPI dependency: 404 without a Twilio channel, 413 over the size cap, 400 for a body that is
    not a form, 403 when the signature does not match."""
    channel: TwilioChannel | None = getattr(request.app.state, "twilio", None)
    if channel is None:
        raise HTTPException(404, "the Twilio channel is not configured")
    body = await _capped_body(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if body and content_type != FORM_TYPE:
        raise HTTPException(400, f"webhooks must be {FORM_TYPE}")
    try:
        raw = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HTTPException(400, "the form is not valid URL-encoded UTF-8") from error
    params = ImmutableMultiDict(_pairs(raw))
    url = channel.public_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    signature = request.headers.get(SIGNATURE_HEADER)
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    if not signature or not channel.validator.validate(url, params, signature, algorithm):
        log.warning("twilio webhook refused: bad or missing signature", extra={"path": request.url.path})
        raise HTTPException(403, "the Twilio signature does not match")
    return SignedForm(channel, params, ImmutableMultiDict(_pairs(request.url.query)))
