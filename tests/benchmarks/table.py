"""One table of the last `make bench` run: every channel path against its bare endpoint, latency under
load, memory per open conversation and the embedded/Rasa turn ratio, with the goals of the issues.
Reads what each benchmark wrote under var/bench/ and writes var/bench/latest.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BENCH = Path("var/bench")

# (file, label, ours, bare, ratio goal)
PATHS = [
    ("submit.json", "case API submit (SQLite)", "sqlite.service_per_s", "sqlite.bare_insert_per_s", None),
    ("submit.json", "case API submit (PostgreSQL)", "postgresql.service_per_s", "postgresql.bare_insert_per_s", None),
    ("queue.json", "handoff queue round trip", "queue_per_s", "raw_redis_per_s", 0.5),
    ("telegram.json", "Telegram webhook", "webhook_per_s", "bare_per_s", 0.3),
    ("sms.json", "SMS webhook", "sms_per_s", "bare_per_s", 0.3),
    ("mail.json", "SMTP mailbox", "mailbox_per_s", "discard_per_s", 0.3),
]


def read(name: str) -> dict[str, Any]:
    path = BENCH / name
    return json.loads(path.read_text()) if path.exists() else {}


def pick(data: dict[str, Any], dotted: str) -> float | None:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return float(value) if isinstance(value, int | float) else None


def _ms(value: float | None) -> str:
    """Latency column: "-" where the benchmark measures throughput only."""
    return "-" if value is None else f"{value:.1f}"


def main() -> None:
    rows = []
    print(f"{'path':<32}{'ours/s':>10}{'bare/s':>10}{'ratio':>8}{'goal':>7}{'p50 ms':>9}{'p99 ms':>9}")
    for name, label, ours_key, bare_key, goal in PATHS:
        data = read(name)
        ours, bare = pick(data, ours_key), pick(data, bare_key)
        if ours is None or bare is None:
            continue
        ratio = ours / bare
        p50, p99 = pick(data, "p50_ms"), pick(data, "p99_ms")
        rows.append({"path": label, "per_s": ours, "bare_per_s": bare, "ratio": ratio, "goal": goal,
                     "p50_ms": p50, "p99_ms": p99})
        print(f"{label:<32}{ours:>10.0f}{bare:>10.0f}{ratio:>8.2f}{goal if goal else '-':>7}"
              f"{_ms(p50):>9}{_ms(p99):>9}")
    dialogue, memory, latency = read("dialogue.json"), read("memory.json"), read("latency.json")
    if latency:
        print(f"latency at 50 % of peak (web chat, {latency['paced_per_s']:.0f} req/s): "
              f"p50 {latency['p50_ms']:.1f} ms, p99 {latency['p99_ms']:.1f} ms (goal p99 < 50 ms)")
    if dialogue:
        print(f"dialogue: embedded {dialogue['embedded_turns_per_s']:.0f} turns/s (p99 "
              f"{dialogue['embedded_p99_ms']:.2f} ms), Rasa {dialogue.get('rasa_turns_per_s', float('nan')):.1f} "
              f"turns/s, ratio {dialogue.get('embedded_to_rasa_ratio', float('nan')):.0f}x (goal >= 50x)")
    if memory:
        print(f"memory: {memory['heap_bytes_per_conversation']:.0f} B heap, "
              f"{memory['rss_bytes_per_conversation']:.0f} B RSS per open conversation with "
              f"{memory['open_conversations']} open (goal <= 4096 B)")
    BENCH.mkdir(parents=True, exist_ok=True)
    summary = {"paths": rows, "dialogue": dialogue, "memory": memory, "latency": latency}
    (BENCH / "latest.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
