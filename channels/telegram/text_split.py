"""Telegram refuses texts over 4,096 characters (counted in UTF-16 code units): split them readably."""

from __future__ import annotations

MESSAGE_LIMIT = 4096


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """The longest prefix length (in characters) that fits `limit` UTF-16 units; never splits a character."""
    if _units(text) <= limit:
        return len(text)
    low, high = 0, min(len(text), limit)
    while low < high:  # binary search: astral characters take two units each
        middle = (low + high + 1) // 2
        if _units(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Parts of at most `limit` units, cut at the last line break, else the last space, else anywhere."""
    parts: list[str] = []
    rest = text.strip("\n")
    while _units(rest) > limit:
        end = _fitting_prefix(rest, limit)
        cut = rest.rfind("\n", 0, end + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, end + 1)
        if cut <= 0:
            cut = max(end, 1)
        parts.append(rest[:cut].rstrip("\n"))
        rest = rest[cut:].lstrip("\n") if rest[cut:cut + 1] == "\n" else rest[cut:].lstrip(" ")
    parts.append(rest)
    return [part for part in parts if part.strip()]
