"""Where every benchmark leaves its figures: var/bench/<name>.json, read by tests.benchmarks.table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BENCH = Path("var/bench")


def save(name: str, result: dict[str, Any]) -> None:
    BENCH.mkdir(parents=True, exist_ok=True)
    (BENCH / f"{name}.json").write_text(json.dumps(result, indent=2))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def latency_ms(seconds: list[float]) -> dict[str, float]:
    """p50 and p99 of latencies measured in seconds, in milliseconds, under the keys the table reads."""
    return {"p50_ms": percentile(seconds, 0.5) * 1000, "p99_ms": percentile(seconds, 0.99) * 1000}
