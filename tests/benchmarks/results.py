"""Where every benchmark leaves its figures: var/bench/<name>.json, read by tests.benchmarks.table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BENCH = Path("var/bench")


def save(name: str, result: dict[str, Any]) -> None:
    BENCH.mkdir(parents=True, exist_ok=True)
    (BENCH / f"{name}.json").write_text(json.dumps(result, indent=2))
