"""Keeps the parametrized Bot API response models of the methods this channel calls alive.

aiogram validates every Bot API answer as `Response[<what the method returns>]`, and pydantic keeps a
parametrized model only while something refers to it (its cache holds weak references). Without the
references below, the model is rebuilt every few calls, about 3 ms each time: on a busy bot, a large
part of the cost of sending a reply.
"""

from __future__ import annotations

from typing import Any

from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageReplyMarkup,
    GetFile,
    GetMe,
    GetUpdates,
    Response,
    SendMessage,
    SetWebhook,
)

METHODS = (AnswerCallbackQuery, DeleteWebhook, EditMessageReplyMarkup, GetFile, GetMe, GetUpdates, SendMessage,
           SetWebhook)
RESPONSE_TYPES: tuple[Any, ...] = tuple(Response[method.__returning__] for method in METHODS)  # type: ignore[name-defined]
