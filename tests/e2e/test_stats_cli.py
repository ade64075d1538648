"""`intake report stats` as a user runs it, against a var dir with cases."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake_core.model import IntakeDraft, Kind
from tests.support import FixedClock, migrated_container, settings_for

DESCRIPTION = "窗口人员态度恶劣，推诿不办"


def intake(var: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "INTAKE_VAR_DIR": str(var), **env}
    environment.pop("INTAKE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "config.cli", *args], env=environment, text=True,
                          capture_output=True, timeout=120, check=False)


@pytest.fixture
async def var_dir(tmp_path: Path) -> Path:
    var = tmp_path / "var"
    container = await migrated_container(settings_for(var), FixedClock())
    try:
        for channel in ("web", "web", "email"):
            await container.service.submit(IntakeDraft(
                kind=Kind.COMPLAINT, category="service", channel=channel, description=DESCRIPTION,
                occurred_at=datetime(2026, 11, 20, tzinfo=UTC), anonymous=True))
    finally:
        await container.close()
    return var


def test_json_to_standard_output(var_dir: Path) -> None:
    result = intake(var_dir, "report", "stats", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json",
                    INTAKE_STATS_MIN_CELL="1")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["total"]["value"] == 3 and body["min_cell"] == 1
    assert {row["key"]: row["count"] for row in body["by_channel"]} == {"email": 1, "web": 2}
    assert DESCRIPTION not in result.stdout


def test_default_k_suppresses_and_files_are_written(var_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "stats.csv"
    result = intake(var_dir, "report", "stats", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "csv",
                    "--output", str(target))
    assert result.returncode == 0 and "stats.csv" in result.stdout
    lines = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert ["收到件数", "<5"] in lines
    page = tmp_path / "stats.html"
    assert intake(var_dir, "report", "stats", "--from", "2026-11-01", "--to", "2026-11-30",
                  "--output", str(page)).returncode == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_help_and_a_backwards_period(var_dir: Path) -> None:
    assert "--format" in intake(var_dir, "report", "stats", "--help").stdout
    refused = intake(var_dir, "report", "stats", "--from", "2026-11-30", "--to", "2026-11-01")
    assert refused.returncode != 0 and "ends before it starts" in refused.stderr
