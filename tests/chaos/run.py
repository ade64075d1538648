"""`python -m tests.chaos.run [scenario ...]`: every fault-injection scenario, a report each; exit 1 on a failure.

Scenario names: kill, redis, postgres (default: all three, in that order)."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tests.chaos.report import Report
from tests.chaos.scenarios import kill_service_mid_load, restart_postgres_mid_load, restart_redis_mid_load

BY_NAME = {"kill": kill_service_mid_load, "redis": restart_redis_mid_load, "postgres": restart_postgres_mid_load}


async def run_all(names: list[str], base: Path) -> list[Report]:
    reports = []
    for name in names:
        report = await BY_NAME[name](base / name)
        print(report.text(), flush=True)
        reports.append(report)
    return reports


def main() -> None:
    names = sys.argv[1:] or list(BY_NAME)
    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        sys.exit(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(BY_NAME)}")
    started = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="intake-chaos-"))
    reports = asyncio.run(run_all(names, base))
    failed = [report.name for report in reports if not report.ok]
    if failed:
        print(f"logs and acknowledgements kept under {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    print(f"chaos: {len(reports) - len(failed)} of {len(reports)} scenarios passed in "
          f"{time.monotonic() - started:.0f} s" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
