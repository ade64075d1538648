"""Shared by the channel benchmarks: the service and the bare endpoint as separate processes on loopback,
and one load generator (httpx, a fixed number of requests in flight) used for both."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.benchmarks.results import latency_ms, percentile


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _answers(url: str, client: httpx.AsyncClient) -> bool:
    try:
        if url.startswith("tcp://"):
            host, port = url.removeprefix("tcp://").split(":")
            _reader, writer = await asyncio.open_connection(host, int(port))
            writer.close()
            await writer.wait_closed()
        else:
            await client.get(url)
        return True
    except (httpx.HTTPError, OSError):
        return False


async def _wait_until_up(url: str, process: asyncio.subprocess.Process) -> None:
    """Polls without blocking the loop: test doubles served by this loop must answer the server's start-up."""
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=1) as client:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"the server at {url} exited with {process.returncode}")
            if await _answers(url, client):
                return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server at {url} did not start")


@asynccontextmanager
async def serving(command: list[str], env: dict[str, str], probe: str) -> AsyncIterator[None]:
    process = await asyncio.create_subprocess_exec(*command, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                   stderr=asyncio.subprocess.DEVNULL)
    try:
        await _wait_until_up(probe, process)
        yield
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)


@asynccontextmanager
async def intake_server(var_dir: Path, **settings: str) -> AsyncIterator[str]:
    """`intake serve` with its embedded defaults plus `settings` (INTAKE_* without the prefix)."""
    port = int(settings.pop("http_port", free_port()))
    env = {**os.environ, "INTAKE_VAR_DIR": str(var_dir), "INTAKE_HTTP_PORT": str(port), "INTAKE_LOG_LEVEL": "WARNING",
           "INTAKE_SMTP_PORT": str(free_port()),
           # The load stands for many citizens but comes from one address.
           "INTAKE_SUBMIT_RATE_PER_MINUTE": "0", "INTAKE_CHAT_RATE_PER_MINUTE": "0",
           "INTAKE_MAIL_SENDERS_PER_MINUTE": "0",
           **{f"INTAKE_{key.upper()}": value for key, value in settings.items()}}
    env.pop("INTAKE_DATABASE_URL", None)
    base = f"http://127.0.0.1:{port}"
    async with serving([sys.executable, "-m", "config.cli", "serve"], env, f"{base}/healthz"):
        yield base


@asynccontextmanager
async def bare_server() -> AsyncIterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with serving([sys.executable, "-m", "tests.benchmarks.bare_endpoint", str(port)], dict(os.environ), base):
        yield base


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        return percentile(self.latencies, fraction)


def side_by_side(ours: list[LoadResult], bare: list[LoadResult], rate_key: str) -> dict[str, float]:
    """Blocks of our path and of its bare endpoint, loaded in turns: both rates, their ratio, and the
    latencies and failures of our path. `rate_key` names our rate in the saved figures."""
    ours_rate = sum(r.requests for r in ours) / sum(r.seconds for r in ours)
    bare_rate = sum(r.requests for r in bare) / sum(r.seconds for r in bare)
    return {rate_key: ours_rate, "bare_per_s": bare_rate, "ratio": ours_rate / bare_rate,
            **latency_ms([x for r in ours for x in r.latencies]), "failures": sum(r.failures for r in ours)}


async def load(url: str, requests: list[Callable[[httpx.AsyncClient], httpx.Request]],
               concurrency: int = 16) -> LoadResult:
    """Sends every request with `concurrency` in flight; counts non-2xx answers as failures."""
    latencies: list[float] = []
    failures = 0
    pending = iter(requests)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        for build in pending:
            started = time.perf_counter()
            response = await client.send(build(client))
            latencies.append(time.perf_counter() - started)
            failures += not response.is_success

    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return LoadResult(len(requests), seconds, latencies, failures)
