"""Memory per open conversation: N citizens each start a conversation (first turn through the whole
path: dedupe, lock, transcript, dialogue, state saved) and none finishes. Measured as the growth of the
Python heap (tracemalloc) and of the process's resident set, divided by N; the database bytes per
conversation are printed too, since that is where conversation state lives."""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import tempfile
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from intake_core.messages import InboundMessage
from tests.benchmarks.results import save
from tests.support import FixedClock, migrated_container, settings_for


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def database_bytes(directory: str) -> int:
    return sum(path.stat().st_size for path in Path(directory).glob("intake.db*"))


async def measure(total: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        container = await migrated_container(settings_for(Path(tmp)), FixedClock(datetime.now(UTC)))
        try:
            conversations = container.conversations
            for n in range(200):  # warm caches (statement cache, matcher) before measuring
                await conversations.receive(InboundMessage("web", f"web:warm{n}", f"warm{n}", "我要举报",
                                                           f"warm:{n}", conversations.clock.now()))
            gc.collect()
            tracemalloc.start()
            heap_before, rss_before = tracemalloc.get_traced_memory()[0], rss_kib()
            db_before = database_bytes(tmp)
            for n in range(total):
                await conversations.receive(InboundMessage("web", f"web:open{n}", f"open{n}", "我要举报",
                                                           f"open:{n}", conversations.clock.now()))
            gc.collect()
            heap_after, rss_after = tracemalloc.get_traced_memory()[0], rss_kib()
            tracemalloc.stop()
            db_after = database_bytes(tmp)
        finally:
            await container.close()
    return {"open_conversations": total, "heap_bytes_per_conversation": (heap_after - heap_before) / total,
            "rss_bytes_per_conversation": max(0, rss_after - rss_before) * 1024 / total,
            "database_bytes_per_conversation": (db_after - db_before) / total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    args = parser.parse_args()
    result = asyncio.run(measure(args.conversations))
    print(f"memory          {result['open_conversations']} open conversations: "
          f"heap {result['heap_bytes_per_conversation']:.0f} B, RSS {result['rss_bytes_per_conversation']:.0f} B, "
          f"database {result['database_bytes_per_conversation']:.0f} B per conversation", flush=True)
    save("memory", result)


if __name__ == "__main__":
    main()
