"""Memory per open conversation: N citizens (default 100,000) each start a conversation (first turn through
the whole path, `ConversationService.receive`: dedupe, lock, transcript, dialogue, state saved) and none
finishes. What is measured, and how:

- RSS (`rss_bytes_per_conversation`, the goal figure): growth of the process's resident set (VmRSS) from
  after a warm-up to N open conversations, divided by N. No tracing runs during these N turns, so this is
  the memory the process really takes on, Python heap, allocator slack and C libraries (SQLite's page
  caches) included.
- Heap (`heap_bytes_per_conversation`): tracing every allocation with tracemalloc makes a 100,000 run
  several times slower, so the Python heap is sampled at the end: after the N conversations tracemalloc
  starts, a lead-in of conversations runs traced (so that memory freed by bounded caches during the sample
  was itself traced and is subtracted), then the heap growth over the next --heap-sample conversations,
  divided by their number, is the marginal heap cost of one more conversation with about N open. As a
  whole-run cross-check without tracing, the growth of CPython's allocated blocks
  (`sys.getallocatedblocks`) and of gc-tracked objects over the N conversations is reported per
  conversation too.
- Database (`database_bytes_per_conversation`): growth of the SQLite files (intake.db, -wal, -shm) over
  the N conversations, divided by N: conversation state and transcripts live there, not in the process.

Turns run one at a time: the conversations are independent, but on SQLite the writers of one process
take turns (one transaction at a time), and batches of concurrent turns measured no faster."""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from intake_core.conversation_service import ConversationService
from intake_core.messages import InboundMessage
from tests.benchmarks.results import save
from tests.support import FixedClock, migrated_container, settings_for

WARM_UP = 1_000  # statement caches, the matcher, SQLite connections of the pool, before any baseline
HEAP_LEAD_IN = 1_000  # traced but not counted: bounded caches turn over inside the trace first


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def database_bytes(directory: str) -> int:
    return sum(path.stat().st_size for path in Path(directory).glob("intake.db*"))


async def open_conversations(conversations: ConversationService, prefix: str, start: int, count: int,
                             progress_every: int = 0) -> None:
    """`count` new citizens each send a first message; none finishes the form."""
    began = time.perf_counter()
    for n in range(start, start + count):
        await conversations.receive(InboundMessage("web", f"web:{prefix}{n}", f"{prefix}{n}", "我要举报",
                                                   f"{prefix}:{n}", conversations.clock.now()))
        done = n - start + 1
        if progress_every and done % progress_every == 0:
            elapsed = time.perf_counter() - began
            print(f"  {done} open, {elapsed:.0f} s, {elapsed / done * 1000:.2f} ms/turn, RSS {rss_kib()} KiB",
                  file=sys.stderr, flush=True)


async def measure(total: int, heap_sample: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        container = await migrated_container(settings_for(Path(tmp)), FixedClock(datetime.now(UTC)))
        try:
            conversations = container.conversations
            await open_conversations(conversations, "warm", 0, WARM_UP)

            # N open conversations, untraced: RSS, database, allocated blocks and gc objects.
            gc.collect()
            rss_before, db_before = rss_kib(), database_bytes(tmp)
            blocks_before, objects_before = sys.getallocatedblocks(), len(gc.get_objects())
            began = time.perf_counter()
            await open_conversations(conversations, "open", 0, total, progress_every=max(1, total // 10))
            seconds = time.perf_counter() - began
            gc.collect()
            rss_after, db_after = rss_kib(), database_bytes(tmp)
            blocks_after, objects_after = sys.getallocatedblocks(), len(gc.get_objects())

            # The Python heap, sampled with tracemalloc on the conversations opened right after the N.
            tracemalloc.start()
            try:
                await open_conversations(conversations, "open", total, HEAP_LEAD_IN)
                gc.collect()
                heap_before = tracemalloc.get_traced_memory()[0]
                await open_conversations(conversations, "open", total + HEAP_LEAD_IN, heap_sample)
                gc.collect()
                heap_after = tracemalloc.get_traced_memory()[0]
            finally:
                tracemalloc.stop()
        finally:
            await container.close()
    return {"open_conversations": total,
            "heap_bytes_per_conversation": (heap_after - heap_before) / heap_sample,
            "rss_bytes_per_conversation": max(0, rss_after - rss_before) * 1024 / total,
            "database_bytes_per_conversation": (db_after - db_before) / total,
            "heap_sample_conversations": heap_sample,
            "allocated_blocks_per_conversation": (blocks_after - blocks_before) / total,
            "gc_objects_per_conversation": (objects_after - objects_before) / total,
            "rss_before_kib": rss_before, "rss_after_kib": rss_after,
            "ms_per_turn": seconds * 1000 / total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--heap-sample", type=int, default=2_000,
                        help="conversations opened under tracemalloc after the N, for the heap figure")
    args = parser.parse_args()
    if args.conversations < 1 or args.heap_sample < 1:
        parser.error("--conversations and --heap-sample must be positive")
    result = asyncio.run(measure(args.conversations, args.heap_sample))
    print(f"memory          {result['open_conversations']} open conversations: "
          f"heap {result['heap_bytes_per_conversation']:.0f} B, RSS {result['rss_bytes_per_conversation']:.0f} B, "
          f"database {result['database_bytes_per_conversation']:.0f} B per conversation", flush=True)
    print(f"                (heap: tracemalloc over {result['heap_sample_conversations']} conversations after the "
          f"{result['open_conversations']}; whole run untraced: "
          f"{result['allocated_blocks_per_conversation']:.2f} allocated blocks, "
          f"{result['gc_objects_per_conversation']:.2f} gc objects per conversation; "
          f"RSS {result['rss_before_kib']} -> {result['rss_after_kib']} KiB; "
          f"{result['ms_per_turn']:.2f} ms per turn)", flush=True)
    save("memory", result)


if __name__ == "__main__":
    main()
