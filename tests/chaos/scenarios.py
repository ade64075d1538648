"""The three fault-injection scenarios, each on a fresh PostgreSQL database and a private Redis (with AOF).

a. `kill -9` of `intake serve` mid-load (twice), restarted with the same settings.
b. The private Redis (queue and conversation locks) stopped and started mid-load.
c. The machine's PostgreSQL stopped and started mid-load: 503/451 meanwhile, never 500, no service restart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.chaos.checks import check_all
from tests.chaos.plan import Mix, build_plan
from tests.chaos.report import Fault, Report
from tests.chaos.stack import Generator, Service, fakes, postgres, tail
from tests.private_redis import PrivateRedis
from tests.support import fresh_postgres_database

KILL_MESSAGES = 2000
REDIS_MESSAGES = 600
POSTGRES_MESSAGES = 600
POSTGRES_DOWN_SECONDS = 5.0
REDIS_DOWN_SECONDS = 3.0


@dataclass
class Rig:
    work_dir: Path
    database_url: str
    redis: PrivateRedis
    service: Service


@asynccontextmanager
async def rig(work_dir: Path) -> AsyncIterator[Rig]:
    """A fresh database, a private Redis, the fake far ends and a running service."""
    async with fresh_postgres_database() as database_url, fakes() as far_ends:
        redis = PrivateRedis(work_dir / "redis")
        await asyncio.to_thread(redis.start)
        service = Service(work_dir / "var", database_url, redis.url, far_ends.bot_api.base_url,
                          far_ends.twilio_api.base_url)
        try:
            await service.start()
            yield Rig(work_dir, database_url, redis, service)
        finally:
            await service.stop()
            await asyncio.to_thread(redis.stop)


async def _finish(name: str, rig_: Rig, generator: Generator, faults: list[Fault], started: float,
                  check_queue: bool = True) -> Report:
    result = await generator.result()
    findings, counts = await check_all(rig_.database_url, result["outcomes"], rig_.redis.url if check_queue else None)
    report = Report(name, result, faults, findings, counts, time.monotonic() - started)
    if report.codes()["http:500"]:
        report.failures.append(f"{report.codes()['http:500']} answers were 500; log tail:\n"
                               + tail(rig_.service.var_dir / "log" / "intake.log", 8, '"level": "ERROR"'))
    report.notes += rig_.service.incidents
    if any(o["final"] == "gave up" for o in report.outcomes):
        report.failures.append("some messages never got a definite answer")
    return report


async def kill_service_mid_load(work_dir: Path, messages: int = KILL_MESSAGES) -> Report:
    """a. kill -9 at 30 % and at 65 % of the acknowledgements; every acknowledged message stored once."""
    started = time.monotonic()
    async with rig(work_dir) as rig_:
        generator = Generator(work_dir / "load", build_plan(Mix.of_total(messages), "kill"), rig_.service)
        faults: list[Fault] = []
        await generator.start()
        try:
            for fraction in (0.30, 0.65):
                await generator.wait_acked(int(messages * fraction))
                killed = time.time()
                rig_.service.kill()
                await asyncio.sleep(1.0)  # clients meet a closed port for a while, as in a real crash
                await rig_.service.start()
                faults.append(Fault(f"kill -9 at {fraction:.0%}", killed, time.time()))
        except BaseException:
            await generator.kill()
            raise
        report = await _finish("a. kill -9 of intake serve", rig_, generator, faults, started)
    return report


async def restart_redis_mid_load(work_dir: Path, messages: int = REDIS_MESSAGES) -> Report:
    """b. Redis stopped for a few seconds: nothing lost, every case in the queue stream exactly once."""
    started = time.monotonic()
    async with rig(work_dir) as rig_:
        generator = Generator(work_dir / "load", build_plan(Mix.of_total(messages), "redis"), rig_.service)
        await generator.start()
        try:
            await generator.wait_acked(int(messages * 0.3))
            stopped = time.time()
            await asyncio.to_thread(rig_.redis.stop)
            await asyncio.sleep(REDIS_DOWN_SECONDS)
            await asyncio.to_thread(rig_.redis.start)
            fault = Fault("Redis stopped", stopped, time.time())
        except BaseException:
            await generator.kill()
            raise
        report = await _finish("b. Redis restart", rig_, generator, [fault], started)
        if rig_.service.starts != 1 or rig_.service.process is None or rig_.service.process.returncode is not None:
            report.failures.append("the service did not survive the Redis restart")
    return report


async def restart_postgres_mid_load(work_dir: Path, messages: int = POSTGRES_MESSAGES) -> Report:
    """c. PostgreSQL stopped for a few seconds: HTTP 503 (never 500) and SMTP 451 meanwhile, then service
    resumes by itself. PostgreSQL is always started again, whatever happens."""
    started = time.monotonic()
    async with rig(work_dir) as rig_:
        generator = Generator(work_dir / "load", build_plan(Mix.of_total(messages), "pgsql"), rig_.service)
        await generator.start()
        try:
            await generator.wait_acked(int(messages * 0.3))
            stopped = time.time()
            try:
                await postgres("stop")
                await asyncio.sleep(POSTGRES_DOWN_SECONDS)
            finally:
                await postgres("start")
            fault = Fault("PostgreSQL stopped", stopped, time.time())
        except BaseException:
            await generator.kill()
            raise
        report = await _finish("c. PostgreSQL restart", rig_, generator, [fault], started)
        during = report.codes(fault)
        if not during["http:503"]:
            report.failures.append("no HTTP request was answered 503 while PostgreSQL was down")
        if not during["smtp:451"]:
            report.failures.append("no email was answered 451 while PostgreSQL was down")
        if report.recovery(fault) is None:
            report.failures.append("nothing was acknowledged after PostgreSQL came back")
        if rig_.service.starts != 1 or rig_.service.process is None or rig_.service.process.returncode is not None:
            report.failures.append("the service did not survive the PostgreSQL restart")
    return report


SCENARIOS = (kill_service_mid_load, restart_redis_mid_load, restart_postgres_mid_load)
