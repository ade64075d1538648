from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """`intake serve` as a separate process, as `make run` starts it."""
    port = free_port()
    env = {**os.environ, "INTAKE_VAR_DIR": str(tmp_path / "var"), "INTAKE_HTTP_PORT": str(port),
           "INTAKE_SMTP_PORT": str(free_port())}
    env.pop("INTAKE_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "config.cli", "serve"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("the service did not start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; `make test` installs it (apt-get install chromium)", pytrace=False)
    return CHROMIUM
