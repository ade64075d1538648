"""Dialogue turns per second: the embedded engine and the Rasa engine over the same conversations.

Both play the conformance scripts turn by turn (the engine alone, no database), in one run.
Prints turns/s of each, their ratio, and the embedded engine's p50/p99 turn latency.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dialogue import rasa_runtime
from dialogue.embedded_engine import EmbeddedEngine
from dialogue.rasa_engine import RasaEngine
from intake_core.messages import InboundMessage
from intake_core.ports import Dialogue
from tests.benchmarks.results import percentile, save
from tests.integration.conformance.runner import SCRIPTS


async def play_all(engine: Dialogue, rounds: int) -> list[float]:
    """Latency of every turn, in seconds."""
    latencies = []
    for _ in range(rounds):
        for script in SCRIPTS:
            state: dict[str, Any] = {}
            key = secrets.token_hex(6)
            for number, text in enumerate(script["turns"]):
                message = InboundMessage("web", f"bench:{key}", key, str(text).format(tracking_no="", receipt=""),
                                         f"{key}:{number}", datetime.now(UTC), locale=script.get("locale", "zh"))
                started = time.perf_counter()
                turn = await engine.handle(message, state)
                latencies.append(time.perf_counter() - started)
                state = turn.state
    return latencies


async def run(rounds: int, with_rasa: bool, model: Path | None = None) -> dict[str, float]:
    embedded = EmbeddedEngine()
    await play_all(embedded, 1)  # warm-up
    latencies = await play_all(embedded, rounds)
    result = {"embedded_turns_per_s": len(latencies) / sum(latencies),
              "embedded_p50_ms": statistics.median(latencies) * 1000,
              "embedded_p99_ms": percentile(latencies, 0.99) * 1000}
    if with_rasa:
        with rasa_runtime.up(rasa_port=5915, actions_port=5965, model=model) as servers:
            engine = RasaEngine(servers.rasa_url, fallback=embedded, timeout=60)
            rasa_latencies = await play_all(engine, 1)
            await engine.close()
        result["rasa_turns_per_s"] = len(rasa_latencies) / sum(rasa_latencies)
        result["embedded_to_rasa_ratio"] = result["embedded_turns_per_s"] / result["rasa_turns_per_s"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--no-rasa", action="store_true")
    parser.add_argument("--rasa-model", type=Path, help="a trained model (default: train or reuse the cached one)")
    args = parser.parse_args()
    result = asyncio.run(run(args.rounds, not args.no_rasa, args.rasa_model))
    line = (f"dialogue/embedded  {result['embedded_turns_per_s']:8.0f} turns/s   p50 "
            f"{result['embedded_p50_ms']:.2f} ms   p99 {result['embedded_p99_ms']:.2f} ms")
    if "rasa_turns_per_s" in result:
        line += (f"\ndialogue/rasa      {result['rasa_turns_per_s']:8.1f} turns/s   embedded/rasa ratio "
                 f"{result['embedded_to_rasa_ratio']:.0f}x")
    print(line, flush=True)
    save("dialogue", result)


if __name__ == "__main__":
    main()
