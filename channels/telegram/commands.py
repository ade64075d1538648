"""Bot commands, turned into the words the dialogue already understands (see dialogue/rasa/data/nlu.yml)."""

from __future__ import annotations

START_PAYLOADS = {"report": "我要举报", "complaint": "我要投诉"}
COMMANDS = ("start", "help", "status", "cancel", "human", "lang")


def command_text(name: str, argument: str | None, locale: str | None) -> str | None:
    """The text a command stands for; None for a command the bot does not know (passed on as typed)."""
    argument = (argument or "").strip()
    match name.lower():
        case "start":
            return START_PAYLOADS.get(argument.lower(), "hello" if locale == "en" else "你好")
        case "help":
            return "帮助"
        case "status":
            return f"查询 {argument}" if argument else "查询进度"
        case "cancel":
            return "取消"
        case "human":
            return "转人工"
        case "lang":
            return "change the language"  # the dialogue toggles between zh and en, also mid-form
    return None
