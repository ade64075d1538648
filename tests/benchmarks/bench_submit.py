"""Case submissions through the service layer vs a bare SQLAlchemy Core insert of the same rows.

Both run in the same process, on the same database, one transaction per case, in alternating
blocks so that drift of the machine affects both alike. Prints cases/s and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from config.wiring import Container
from intake_core.model import IntakeDraft, Kind, TargetType
from intake_core.storage.tables import cases
from tests.benchmarks.results import save
from tests.support import FixedClock, fresh_postgres_database, migrated_container, settings_for

BLOCK = 500



def draft(i: int) -> IntakeDraft:
    return IntakeDraft(kind=Kind.REPORT, category="fraud", description=f"冒充客服骗取验证码 第{i}例",
                       channel="bench", target=f"https://scam{i % 97}.example.cn/pay?utm_source=x",
                       target_type=TargetType.URL, occurred_at=datetime(2026, 11, 20, tzinfo=UTC),
                       anonymous=True)


def bare_row(i: int, now: datetime) -> dict[str, object]:
    return {
        "tracking_no": f"BARE-{i:08d}", "kind": "report", "category": "fraud",
        "status": "registered", "priority": "P2", "jurisdiction": "in_scope", "channel": "bench",
        "locale": "zh", "description": f"冒充客服骗取验证码 第{i}例", "target": f"https://scam{i % 97}.example.cn/pay",
        "received_at": now, "sla_profile": "service", "acknowledge_by": now, "progress_notice_by": now,
        "answer_by": now, "anonymous": True, "receipt_failures": 0, "audit_position": 1, "audit_head": "0" * 64,
        "updated_at": now,
    }


async def measure(container: Container, total: int) -> dict[str, float]:
    service, engine = container.service, container.database.engine
    now = datetime.now(UTC)
    ours = bare = 0.0
    done = 0
    while done < total:
        n = min(BLOCK, total - done)
        started = time.perf_counter()
        for i in range(done, done + n):
            await service.submit(draft(i))
        ours += time.perf_counter() - started
        started = time.perf_counter()
        for i in range(done, done + n):
            async with engine.begin() as connection:
                await connection.execute(cases.insert().values(**bare_row(i, now)))
        bare += time.perf_counter() - started
        done += n
    return {"cases": total, "service_per_s": total / ours, "bare_insert_per_s": total / bare,
            "ratio": (total / ours) / (total / bare)}


async def run(database: str, total: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        if database == "sqlite":
            container = await migrated_container(settings_for(Path(tmp)), FixedClock(datetime.now(UTC)))
            try:
                return await measure(container, total)
            finally:
                await container.close()
        async with fresh_postgres_database() as url:
            container = await migrated_container(settings_for(Path(tmp), url), FixedClock(datetime.now(UTC)))
            try:
                return await measure(container, total)
            finally:
                await container.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    results = {}
    for database in args.databases.split(","):
        result = asyncio.run(run(database, args.cases))
        results[database] = result
        print(f"submit/{database:<10} {result['service_per_s']:8.0f} cases/s   bare insert "
              f"{result['bare_insert_per_s']:8.0f} rows/s   ratio {result['ratio']:.2f}", flush=True)
    save("submit", results)


if __name__ == "__main__":
    main()
