"""In polling mode Telegram forgets an update once the next getUpdates moves the offset, whatever the
handler did. So while polling, an update whose storage failed is retried (with growing pauses) until it is
stored; polling handles one update at a time, so later updates wait and keep their order. Webhooks answer
503 instead and Telegram redelivers, so this middleware stays passive for them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from channels.telegram.media import EvidenceUnavailable
from intake_core.errors import StorageUnavailable

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class RetryWhilePolling(BaseMiddleware):
    def __init__(self, first_pause: float = 0.5, longest_pause: float = 30.0) -> None:
        self.active = False
        self.first_pause = first_pause
        self.longest_pause = longest_pause

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        pause = self.first_pause
        while True:
            try:
                return await handler(event, data)
            except (StorageUnavailable, EvidenceUnavailable) as error:
                if not self.active:
                    raise
                log.warning("telegram update not stored (%s); retrying in %.1fs", type(error).__name__, pause)
                await asyncio.sleep(pause)
                pause = min(self.longest_pause, pause * 2)
