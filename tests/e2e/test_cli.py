"""The `intake` command line, run as a user runs it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def intake(var: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INTAKE_VAR_DIR": str(var)}
    env.pop("INTAKE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "config.cli", *args], env=env, input=stdin, text=True,
                          capture_output=True, timeout=120, check=False)


@pytest.mark.parametrize("command", [[], ["serve"], ["db", "upgrade"], ["audit", "verify"], ["chat"],
                                     ["rasa", "train"], ["rasa", "up"]])
def test_every_command_has_help(tmp_path: Path, command: list[str]) -> None:
    result = intake(tmp_path, *command, "--help")
    assert result.returncode == 0 and "Usage:" in result.stdout


def test_terminal_chat_files_a_complaint_and_the_audit_log_verifies(tmp_path: Path) -> None:
    answers = "\n".join(["我要投诉", "服务质量", "窗口人员态度恶劣，推诿不办", "2026年11月20日", "匿名", "确认"]) + "\n"
    chat = intake(tmp_path, "chat", stdin=answers)
    assert chat.returncode == 0, chat.stderr
    assert "受理编号" in chat.stdout and "回执码" in chat.stdout
    verified = intake(tmp_path, "audit", "verify")
    assert verified.returncode == 0 and "1 chains, 1 entries: intact" in verified.stdout

    with sqlite3.connect(tmp_path / "intake.db") as database:
        database.execute("UPDATE audit_log SET actor = 'someone else'")
    tampered = intake(tmp_path, "audit", "verify")
    assert tampered.returncode == 1 and "entry was edited" in tampered.stdout
