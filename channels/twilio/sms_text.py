"""Replies made to fit SMS: numbered choices instead of buttons, and parts of a few segments each.

A segment holds 70 UCS-2 characters (67 when a message is concatenated) or 160 GSM-7 characters (153).
Chinese text is always UCS-2. Each SMS we send is at most MAX_SEGMENTS segments (268 Chinese
characters): long enough for the category menu and the case summary, short enough to stay cheap and
readable. Longer texts are split at line breaks into several messages; a turn's replies are capped at
MAX_MESSAGES messages, the rest is cut with "…" (the citizen can ask again, or use another channel)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from channels.twilio.notices import notice
from intake_core.messages import Reply

MAX_SEGMENTS = 4
MAX_MESSAGES = 6
GSM_SEGMENT, GSM_PART = 160, 153
UCS2_SEGMENT, UCS2_PART = 70, 67
_GSM_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
              "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENDED = "^{}\\[~]|€\f"
_ELLIPSIS = "…"
# Twilio's default opt-out keywords (it answers and blocks the number itself), and the usual Chinese ones.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "退订", "TD"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})


def keyword(body: str) -> str:
    """The message as a keyword candidate: trimmed, full-width folded, upper-case."""
    return unicodedata.normalize("NFKC", body).strip().strip(".!。！").upper()


def _is_gsm(text: str) -> bool:
    return all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in text)


def _units(text: str, gsm: bool) -> int:
    if gsm:
        return sum(2 if c in _GSM_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many segments a carrier bills for this text."""
    gsm = _is_gsm(text)
    units = _units(text, gsm)
    single, part = (GSM_SEGMENT, GSM_PART) if gsm else (UCS2_SEGMENT, UCS2_PART)
    if units <= single:
        return 1
    return -(-units // part)


def _budget(gsm: bool) -> int:
    return (GSM_PART if gsm else UCS2_PART) * MAX_SEGMENTS


def _fitting(text: str, gsm: bool, budget: int) -> int:
    """Length of the longest prefix that fits the budget."""
    used = 0
    for index, char in enumerate(text):
        used += _units(char, gsm)
        if used > budget:
            return index
    return len(text)


def split_sms(text: str) -> list[str]:
    """Parts of at most MAX_SEGMENTS segments, cut at a line break, else after punctuation or a space."""
    gsm = _is_gsm(text)
    budget = _budget(gsm)
    parts: list[str] = []
    rest = text.strip()
    while rest and _units(rest, gsm) > budget:
        end = _fitting(rest, gsm, budget)
        cut = rest.rfind("\n", 0, end)
        if cut <= end // 2:
            cut = max((rest.rfind(mark, 0, end) for mark in ("。", "；", "，", ". ", " ")), default=-1) + 1
        if cut <= end // 2:
            cut = end
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return parts


def with_choices(reply: Reply, locale: str | None) -> str:
    """The reply's text; buttons become a numbered line the citizen answers with a digit."""
    if not reply.buttons:
        return reply.text
    choices = "；".join(f"{number} {button.title}" for number, button in enumerate(reply.buttons, start=1))
    return f"{reply.text}\n{notice(locale, 'sms_choices')}{choices}".strip()


def sms_messages(replies: Sequence[Reply], locale: str | None) -> list[str]:
    """The SMS messages a turn's replies become, at most MAX_MESSAGES of them."""
    messages = [part for reply in replies for part in split_sms(with_choices(reply, locale))]
    if len(messages) <= MAX_MESSAGES:
        return messages
    kept = messages[:MAX_MESSAGES]
    last = kept[-1]
    gsm = _is_gsm(last)
    ellipsis = "..." if gsm else _ELLIPSIS  # "…" would turn a GSM-7 text into UCS-2
    kept[-1] = last[: _fitting(last, gsm, _budget(gsm) - len(ellipsis))] + ellipsis
    return kept
