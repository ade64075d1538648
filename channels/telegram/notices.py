"""What the Telegram adapter itself says, before or instead of the dialogue (zh and en)."""

from __future__ import annotations

GROUP_NOTICE = "请私信我 / please write to me privately"

_NOTICES: dict[str, dict[str, str]] = {
    "zh": {
        "file_too_large": "文件过大，无法接收：每个文件最大 {limit}。请压缩后重新发送，或用文字描述。",
        "file_unreadable": "这个文件没能取回，请重新发送。",
        "unsupported": "暂时无法处理这类消息。请发送文字、图片、文件、语音或视频。",
        "button_expired": "这个按钮已失效，请直接回复文字。",
    },
    "en": {
        "file_too_large": "This file is too large to accept: each file may be at most {limit}. "
                          "Please compress it and send it again, or describe it in words.",
        "file_unreadable": "This file could not be fetched; please send it again.",
        "unsupported": "This kind of message cannot be handled yet. Please send text, photos, files, "
                       "voice notes or videos.",
        "button_expired": "This button has expired; please reply in words.",
    },
}


def notice(locale: str | None, key: str, **values: object) -> str:
    table = _NOTICES.get(locale or "zh", _NOTICES["zh"])
    return table[key].format(**values)


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} B"
