"""The fault-injection scenarios as tests (`pytest -m chaos tests/chaos`); `make chaos` runs them via
`python -m tests.chaos.run`, which prints the same reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chaos.scenarios import kill_service_mid_load, restart_postgres_mid_load, restart_redis_mid_load

pytestmark = [pytest.mark.chaos, pytest.mark.postgres, pytest.mark.redis]


async def test_kill_9_mid_load_loses_and_doubles_nothing(tmp_path: Path) -> None:
    report = await kill_service_mid_load(tmp_path)
    print(report.text())
    assert report.ok, report.text()


async def test_redis_restart_mid_load_loses_and_doubles_nothing(tmp_path: Path) -> None:
    report = await restart_redis_mid_load(tmp_path)
    print(report.text())
    assert report.ok, report.text()


async def test_postgres_restart_mid_load_answers_503_and_451_then_resumes(tmp_path: Path) -> None:
    report = await restart_postgres_mid_load(tmp_path)
    print(report.text())
    assert report.ok, report.text()
