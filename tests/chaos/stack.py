"""What a chaos scenario runs and breaks: `intake serve` as a subprocess, the fake Bot and Twilio APIs on the
orchestrator's loop, the load generator as a subprocess, the private Redis and the machine's PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from tests.benchmarks.http_load import free_port
from tests.chaos.load import LoadConfig
from tests.chaos.plan import TELEGRAM_SECRET, Thread
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.fake_twilio_api import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, PUBLIC_URL, FakeTwilioApi

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60  # it takes about 10 s on a busy 2-core machine
PG_CTL = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main"


class Service:
    """One `intake serve` with fixed settings; it can be killed and started again with the same ones."""

    def __init__(self, var_dir: Path, database_url: str, redis_url: str, bot_api: str, twilio_api: str) -> None:
        self.var_dir = var_dir
        self.http_port, self.smtp_port = free_port(), free_port()
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        # Only our settings: an INTAKE_* variable of the calling shell must not change the service under test.
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("INTAKE_")}
        self.env.update({
            "INTAKE_DATABASE_URL": database_url, "INTAKE_REDIS_URL": redis_url, "INTAKE_VAR_DIR": str(var_dir),
            "INTAKE_HTTP_PORT": str(self.http_port), "INTAKE_SMTP_PORT": str(self.smtp_port),
            "INTAKE_LOG_LEVEL": "WARNING", "INTAKE_PUBLIC_URL": PUBLIC_URL,
            "INTAKE_TELEGRAM_TOKEN": TOKEN, "INTAKE_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "INTAKE_TELEGRAM_API_BASE": bot_api, "INTAKE_TELEGRAM_SEND_RATE": "1000",
            # The load stands for many citizens but comes from one address.
            "INTAKE_SUBMIT_RATE_PER_MINUTE": "0", "INTAKE_CHAT_RATE_PER_MINUTE": "0",
            "INTAKE_MAIL_SENDERS_PER_MINUTE": "0",
            "INTAKE_TWILIO_ACCOUNT_SID": ACCOUNT_SID, "INTAKE_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "INTAKE_TWILIO_FROM_NUMBER": FROM_NUMBER, "INTAKE_TWILIO_API_BASE": twilio_api})
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.incidents: list[str] = []  # starts that hung, with their stack dumps

    async def start(self) -> float:
        """Starts the service and returns once HTTP and SMTP answer; the seconds that took. A start that
        hangs is aborted with a Python stack dump (kept in `incidents`) and tried once more."""
        started = time.monotonic()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        for attempt in (1, 2):
            self.starts += 1
            path = self.var_dir / f"serve-{self.starts}.out"
            with path.open("wb") as output:  # WARNING logs, and tracebacks of a crashed start
                self.process = await asyncio.create_subprocess_exec(
                    sys.executable, "-X", "faulthandler", "-m", "config.cli", "serve", cwd=ROOT, env=self.env,
                    stdout=output, stderr=output)
            try:
                await self._wait_until_up(self.process)
                return time.monotonic() - started
            except TimeoutError:
                self.process.send_signal(signal.SIGABRT)  # faulthandler writes every thread's stack
                await self.process.wait()
                self.incidents.append(f"start {self.starts} hung for {STARTUP_SECONDS} s:\n{tail(path, 60)}")
                if attempt == 2:
                    raise RuntimeError(self.incidents[-1]) from None
        raise AssertionError("unreachable")

    async def _wait_until_up(self, process: asyncio.subprocess.Process) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if process.returncode is not None:
                    raise RuntimeError(f"intake serve exited with {process.returncode}; see {self.var_dir}")
                try:
                    if (await client.get(f"{self.base_url}/healthz")).status_code == 200:
                        _reader, writer = await asyncio.open_connection("127.0.0.1", self.smtp_port)
                        writer.close()
                        await writer.wait_closed()
                        return
                except (httpx.HTTPError, OSError):
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, open transactions and half-sent answers are cut off."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        elif process is not None:
            await process.wait()


class Generator:
    """The load generator process; `acked` follows its progress lines."""

    def __init__(self, work_dir: Path, plan: list[Thread], service: Service, concurrency: int = 24) -> None:
        work_dir.mkdir(parents=True, exist_ok=True)
        self.plan_path, self.out_path = work_dir / "plan.json", work_dir / "acks.json"
        self.plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        self.config_path = work_dir / "load.json"
        LoadConfig(self.plan_path, self.out_path, service.base_url, service.smtp_port,
                   concurrency).write(self.config_path)
        self.acked = 0
        self._progress = asyncio.Condition()
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ended = False  # its output closed: no more progress will come

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.chaos.load", str(self.config_path), cwd=ROOT,
            stdout=asyncio.subprocess.PIPE)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for line in self.process.stdout:
            words = line.decode().split()
            if len(words) == 2 and words[0] in ("acked", "done"):
                async with self._progress:
                    self.acked = int(words[1])
                    self._progress.notify_all()
        async with self._progress:  # wake waiters for a count that will never come
            self._ended = True
            self._progress.notify_all()

    async def wait_acked(self, count: int) -> None:
        async with self._progress:
            await self._progress.wait_for(lambda: self.acked >= count or self._ended)

    async def result(self, patience: float = 600) -> dict[str, Any]:
        assert self.process is not None and self._reader is not None
        await asyncio.wait_for(self.process.wait(), patience)
        await self._reader
        if self.process.returncode != 0:
            raise RuntimeError(f"the load generator exited with {self.process.returncode}")
        data: dict[str, Any] = json.loads(self.out_path.read_text(encoding="utf-8"))
        return data

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def postgres(action: str) -> None:
    """Stops or starts the machine's PostgreSQL cluster (fast mode: sessions are cut off at once)."""
    process = await asyncio.create_subprocess_shell(f"{PG_CTL} {action}", stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    if process.returncode != 0 and not (action == "start" and b"already running" in output):
        raise RuntimeError(f"pg_ctlcluster {action} failed: {output.decode(errors='replace').strip()}")


@dataclass
class Fakes:
    bot_api: FakeBotApi
    twilio_api: FakeTwilioApi


@asynccontextmanager
async def fakes() -> AsyncIterator[Fakes]:
    """The far ends of Telegram and Twilio, on this process's loop (they outlive service restarts)."""
    async with AsyncExitStack() as stack:
        bot_api = await stack.enter_async_context(FakeBotApi())
        twilio_api = await stack.enter_async_context(FakeTwilioApi())
        yield Fakes(bot_api, twilio_api)


def tail(path: Path, lines: int = 20, containing: str = "") -> str:
    """The end of a log file (only lines with `containing`), for failure messages."""
    if not path.exists():
        return ""
    handle: IO[str]
    with path.open(encoding="utf-8", errors="replace") as handle:
        return "".join([line for line in handle if containing in line][-lines:])
