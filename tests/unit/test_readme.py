from __future__ import annotations

from pathlib import Path

from config.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [f"INTAKE_{name.upper()}" for name in Settings.model_fields
               if f"`INTAKE_{name.upper()}`" not in README]
    assert missing == []


def test_quick_start_gives_the_two_commands() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick_start and "make test" in quick_start
