"""POST /webhooks/telegram: Telegram's webhook, authenticated by its secret token header.

200 means "stored": it is sent only after the core has taken the message durably, so Telegram
redelivers whatever was not; the core drops the redeliveries it already has."""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from channels.telegram.channel import TelegramChannel
from channels.telegram.media import EvidenceUnavailable
from intake_core.errors import StorageUnavailable

log = logging.getLogger(__name__)

router = APIRouter(tags=["telegram"])
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1_000_000


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse({"type": "about:blank", "title": title, "status": status, "detail": detail},
                        status_code=status, media_type="application/problem+json", headers=headers)


async def _body(request: Request) -> bytes | None:
    """The body, or None when it exceeds the limit (also without a Content-Length)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


@router.post("/webhooks/telegram", responses={
    200: {"description": "The update was taken (or is of a kind the bot ignores)"},
    400: {"description": "Not a Telegram Update"}, 401: {"description": "Wrong or missing secret token"},
    413: {"description": "Body over 1 MB"}, 503: {"description": "Storage unavailable; Telegram retries"}})
async def telegram_webhook(request: Request) -> Response:
    """Receives one Telegram Update."""
    channel: TelegramChannel | None = getattr(request.app.state, "telegram", None)
    if channel is None:
        return _problem(404, "not found", "the Telegram channel is not configured")
    if not channel.secret_matches(request.headers.get(SECRET_HEADER)):
        log.warning("telegram webhook refused: wrong or missing secret token")
        return _problem(401, "unauthorized", "the secret token does not match")
    body = await _body(request)
    if body is None:
        return _problem(413, "request too large", f"updates are limited to {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body)
    except ValueError:
        return _problem(400, "invalid json", "the request body is not valid JSON")
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return _problem(400, "not an update", "the body is not a Telegram Update")
    try:
        update = channel.parse_update(data)
    except ValidationError:
        return _problem(400, "not an update", "the body is not a Telegram Update")
    try:
        await channel.feed(update)
    except (StorageUnavailable, EvidenceUnavailable) as error:
        log.warning("telegram update not taken, Telegram will redeliver", extra={"reason": type(error).__name__})
        return _problem(503, "service unavailable", "the update could not be stored; retry later")
    return Response(status_code=200)  # an empty body: Telegram would read a JSON body as a method call
