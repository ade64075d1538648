"""Reporter identifiers used by the tests. After the whole run, no log line may contain any of them
(tests/conftest.py checks the in-process log records and the log files of the servers tests started)."""

from __future__ import annotations

import logging
from pathlib import Path

from config.logs import JsonLines

REPORTER_IDENTIFIERS = (
    # phone numbers, as citizens write them and as the core normalizes them
    "13800138000", "13812345678", "13900000000", "13912345678", "13900139000",
    # email addresses
    "zhang.wei@example.com", "sun7@example.org", "amy@example.org", "wang@example.cn", "wang5@example.com",
    "john.smith@example.com", "zhang@example.cn", "slow@example.com",
    # names given as identity, and a Telegram chat id
    "孙七", "王五", "张三", "李四", "赵六", "John Smith", "5550001",
)


class LogRecorder(logging.Handler):
    """Keeps every record as production would write it (JSON lines, at INFO and above)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonLines())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is not written either
            pass


def leaks(lines: list[str], log_dirs: list[Path]) -> list[str]:
    """Identifiers found, each with where: in-process records or a server's log file."""
    found = []
    sources = [("in-process logs", "\n".join(lines))]
    for directory in log_dirs:
        for path in directory.rglob("*.log"):
            sources.append((str(path), path.read_text(encoding="utf-8", errors="replace")))
    for where, text in sources:
        found += [f"{identifier!r} in {where}" for identifier in REPORTER_IDENTIFIERS if identifier in text]
    return found
