"""Reply buttons as an inline keyboard, and a pressed button back to the text it stands for.

Telegram limits callback_data to 64 bytes. A payload that fits travels as "p:<payload>"; a longer one
travels as "b:<n>" and is resolved against the keyboard of the message that was pressed, so nothing
extra has to be stored anywhere."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from intake_core.messages import Button

CALLBACK_DATA_LIMIT = 64
_PAYLOAD = "p:"
_INDEX = "b:"


def callback_data(index: int, payload: str) -> str:
    data = _PAYLOAD + payload
    if len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
        return data
    return f"{_INDEX}{index}"


def inline_keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    rows = [[InlineKeyboardButton(text=button.title[:64] or "…", callback_data=callback_data(i, button.payload))]
            for i, button in enumerate(buttons)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def pressed_text(data: str | None, keyboard: InlineKeyboardMarkup | None) -> str | None:
    """What the citizen meant by pressing the button: its payload, or for an indexed button the title
    shown on it (the dialogue understands titles as typed answers). None when it cannot be told."""
    if not data:
        return None
    if data.startswith(_PAYLOAD):
        return data[len(_PAYLOAD):] or None
    if data.startswith(_INDEX) and keyboard is not None:
        for row in keyboard.inline_keyboard:
            for button in row:
                if button.callback_data == data:
                    return button.text
    return None
