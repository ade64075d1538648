"""Sending text to a Telegram chat: the `Outbound` port for agents' replies, and the bot's own answers.

Plain text only (no parse mode), so nothing the citizen or an agent wrote can break the markup."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardMarkup

from channels.telegram.addressing import CHANNEL, chat_of_route
from channels.telegram.keyboards import inline_keyboard
from channels.telegram.rate_limit import SendLimiter
from channels.telegram.text_split import split_text
from intake_core.messages import Reply
from intake_core.ports import DeliveryDeferred, Undeliverable

log = logging.getLogger(__name__)

_UNREACHABLE = ("chat not found", "user is deactivated", "peer_id_invalid", "bot can't initiate conversation")


class TelegramOutbound:
    channel = CHANNEL

    def __init__(self, bot: Bot, limiter: SendLimiter, max_attempts: int = 4, backoff_seconds: float = 0.5,
                 max_wait_seconds: float = 30.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.bot = bot
        self.limiter = limiter
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.max_wait_seconds = max_wait_seconds  # longer waits are left to the caller's own retry
        self._sleep = sleep

    async def send(self, contact_route: str, replies: list[Reply], thread: Mapping[str, str]) -> None:
        await self.deliver(chat_of_route(contact_route), replies)

    async def deliver(self, chat_id: int, replies: Sequence[Reply]) -> None:
        """Every reply in order; long texts in parts, the buttons under the last part."""
        for reply in merged(replies):
            parts = split_text(reply.text)
            keyboard = inline_keyboard(reply.buttons)
            if not parts and keyboard is not None:
                parts = ["…"]  # Telegram sends no keyboard without text
            for number, part in enumerate(parts, start=1):
                await self.send_text(chat_id, part, keyboard if number == len(parts) else None)

    async def send_text(self, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None) -> int:
        """Sends one message of at most 4,096 characters; returns its message id."""
        for attempt in range(1, self.max_attempts + 1):
            await self.limiter.acquire(chat_id)
            try:
                message = await self.bot.send_message(chat_id=chat_id, text=text, parse_mode=None,
                                                      reply_markup=keyboard)
                return message.message_id
            except TelegramRetryAfter as error:
                wait = float(error.retry_after)
                self.limiter.hold_all(wait)
                if attempt == self.max_attempts or wait > self.max_wait_seconds:
                    raise DeliveryDeferred("telegram rate limit", retry_after=wait) from error
                log.info("telegram asked to slow down", extra={"retry_after": wait, "attempt": attempt})
                await self._sleep(wait)
            except (TelegramForbiddenError, TelegramNotFound, TelegramMigrateToChat) as error:
                raise Undeliverable("the citizen blocked the bot or left the chat") from error
            except TelegramBadRequest as error:
                reason = "chat not found" if _unreachable(error) else "telegram refused the message"
                raise Undeliverable(reason) from error
            except TelegramEntityTooLarge as error:
                raise Undeliverable("telegram refused the message as too large") from error
            except TelegramUnauthorizedError as error:
                raise DeliveryDeferred("telegram rejected the bot token") from error
            except (TelegramServerError, TelegramNetworkError, ClientDecodeError, TelegramAPIError) as error:
                if attempt == self.max_attempts:
                    raise DeliveryDeferred("telegram unavailable") from error
                delay = self.backoff_seconds * 2 ** (attempt - 1)
                log.info("telegram send failed, retrying",
                         extra={"error": type(error).__name__, "attempt": attempt, "delay": delay})
                await self._sleep(delay)
        raise DeliveryDeferred("telegram unavailable")  # not reached: the loop returns or raises


def merged(replies: Sequence[Reply]) -> list[Reply]:
    """The replies of one turn as few messages: texts run together until a reply with buttons, whose
    keyboard ends the message. Telegram lets a bot send about one message a second to a chat, so three
    replies as three messages would take the citizen three seconds to receive, and three notifications."""
    messages: list[Reply] = []
    texts: list[str] = []
    for reply in replies:
        if reply.text.strip():
            texts.append(reply.text.strip())
        if reply.buttons:
            messages.append(Reply("\n\n".join(texts), reply.buttons))
            texts = []
    if texts:
        messages.append(Reply("\n\n".join(texts)))
    return messages


def _unreachable(error: TelegramAPIError) -> bool:
    return any(marker in error.message.lower() for marker in _UNREACHABLE)
