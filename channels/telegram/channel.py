"""The Telegram channel: one bot, its dispatcher, and the ways updates arrive (webhook or polling)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import re
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError

from channels.telegram.handlers import TelegramHandlers, build_dispatcher
from channels.telegram.media import EvidenceFetcher
from channels.telegram.outbound import TelegramOutbound
from channels.telegram.polling_retry import RetryWhilePolling
from channels.telegram.rate_limit import SendLimiter
from channels.telegram.response_types import RESPONSE_TYPES
from intake_core.conversation_service import ConversationService
from intake_core.evidence_store import FileEvidenceStore

log = logging.getLogger(__name__)

_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token


class TelegramChannel:
    def __init__(self, token: str, api_base: str | None, webhook_secret: str | None,
                 conversations: ConversationService, evidence_store: FileEvidenceStore,
                 send_rate_per_second: float = 25.0, per_chat_per_second: float = 1.0, per_chat_burst: int = 3,
                 retry_backoff_seconds: float = 0.5, max_send_attempts: int = 4) -> None:
        if webhook_secret is not None and not _SECRET_SHAPE.match(webhook_secret):
            raise ValueError("the Telegram webhook secret must be 1-256 characters of A-Z a-z 0-9 _ -")
        api = TelegramAPIServer.from_base(api_base) if api_base else None
        session = AiohttpSession(api=api) if api else AiohttpSession()
        self.bot = Bot(token, session=session)
        self.response_types = RESPONSE_TYPES  # see response_types: held for as long as the bot lives
        self.webhook_secret = webhook_secret
        self.limiter = SendLimiter(send_rate_per_second, per_chat_per_second, per_chat_burst)
        self.outbound = TelegramOutbound(self.bot, self.limiter, max_attempts=max_send_attempts,
                                         backoff_seconds=retry_backoff_seconds)
        self.handlers = TelegramHandlers(self.bot, conversations, self.outbound,
                                         EvidenceFetcher(self.bot, evidence_store))
        self.dispatcher = build_dispatcher(self.handlers)
        self.polling_retry = RetryWhilePolling()
        self.dispatcher.update.outer_middleware(self.polling_retry)
        self._polling: asyncio.Task[None] | None = None

    def secret_matches(self, presented: str | None) -> bool:
        if not self.webhook_secret or presented is None:
            return False  # without a configured secret the webhook accepts nothing
        return hmac.compare_digest(presented.encode(), self.webhook_secret.encode())

    def parse_update(self, data: dict[str, Any]) -> Update:
        """Raises pydantic's ValidationError when the JSON is not an Update."""
        return Update.model_validate(data, context={"bot": self.bot})

    async def feed(self, update: Update) -> None:
        """Handles one update; returns after the core has stored (and answered) it. Core errors propagate."""
        try:
            update.event_type  # noqa: B018 - raises for kinds this aiogram does not know
        except UpdateTypeLookupError:
            return  # aiogram would warn with the whole update, personal data included
        await self.dispatcher.feed_update(self.bot, update)

    def allowed_updates(self) -> list[str]:
        return self.dispatcher.resolve_used_update_types()

    async def set_webhook(self, url: str) -> None:
        await self.bot.set_webhook(url, secret_token=self.webhook_secret, allowed_updates=self.allowed_updates(),
                                   drop_pending_updates=False)

    async def start_polling(self, polling_timeout: int = 30) -> None:
        """Long polling for development; Telegram allows it only while no webhook is set."""
        if self._polling is not None and not self._polling.done():
            return
        await self.bot.delete_webhook(drop_pending_updates=False)
        self.polling_retry.active = True
        # One update at a time keeps a chat's messages in order (webhooks get that from Telegram).
        self._polling = asyncio.create_task(self.dispatcher.start_polling(
            self.bot, polling_timeout=polling_timeout, handle_as_tasks=False, handle_signals=False,
            close_bot_session=False, allowed_updates=self.allowed_updates()))
        self._polling.add_done_callback(_report_polling_end)

    async def stop(self) -> None:
        self.polling_retry.active = False
        task, self._polling = self._polling, None
        if task is not None and not task.done():
            try:
                await self.dispatcher.stop_polling()
            except RuntimeError:  # not started yet
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.bot.session.close()


def _report_polling_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("telegram polling stopped", extra={"error": type(task.exception()).__name__})
