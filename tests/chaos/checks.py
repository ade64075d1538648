"""After a scenario: read the database and the Redis streams, and say what was lost or doubled.

Every acknowledged message must be stored exactly once under its key; nothing may be stored twice, acknowledged
or not (a retry after a lost answer must not add a second transcript line or a second case)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from redis.asyncio import Redis


@dataclass(slots=True)
class Findings:
    lost: list[str] = field(default_factory=list)  # acknowledged, not stored as it should be
    doubled: list[str] = field(default_factory=list)  # stored (or queued) more than once
    other: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return ([f"LOST {p}" for p in self.lost] + [f"DOUBLED {p}" for p in self.doubled]
                + [f"PROBLEM {p}" for p in self.other])

    def summary(self, limit: int = 15) -> str:
        problems = self.problems
        more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
        return "\n  ".join(["", *problems[:limit]]) + more if problems else " none"


def plain_url(database_url: str) -> str:
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def email_token(message_id: str) -> str:
    """The thread token the mailbox derives from a new email's Message-ID (channels/mail/threads.py)."""
    return hashlib.sha256(message_id.encode()).hexdigest()[:16]


@dataclass(slots=True)
class Stored:
    inbound: dict[str, str]  # inbound key -> conversation key
    lines_in: Counter[str]  # transcript lines from citizens per turn key
    api_keys: set[str]
    cases: list[asyncpg.Record]

    @classmethod
    async def read(cls, connection: asyncpg.Connection) -> Stored:
        inbound = {r["key"]: r["conversation_key"] for r in await connection.fetch(
            "SELECT key, conversation_key FROM inbound_keys")}
        lines = Counter({r["turn_key"]: int(r["n"]) for r in await connection.fetch(
            "SELECT turn_key, count(*) AS n FROM transcript WHERE direction = 'in' GROUP BY turn_key")})
        api_keys = {r["key"] for r in await connection.fetch("SELECT key FROM idempotency_keys WHERE key LIKE 'api:%'")}
        cases = await connection.fetch("SELECT tracking_no, channel, conversation_key FROM cases")
        return cls(inbound, lines, api_keys, cases)


def check_messages(outcomes: list[dict[str, Any]], stored: Stored) -> Findings:
    findings = Findings()
    case_numbers = {r["tracking_no"] for r in stored.cases}
    email_keys: dict[str, list[str]] = {}
    for key, conversation in stored.inbound.items():
        if key.startswith("email:"):  # one inbound key per email, however many turns it answered
            email_keys.setdefault(conversation.rsplit(":", 1)[-1], []).append(key)
    for outcome in outcomes:
        if not outcome["acked"]:
            continue
        key, channel = outcome["key"], outcome["channel"]
        if channel == "api":
            if key not in stored.api_keys or outcome["tracking_no"] not in case_numbers:
                findings.lost.append(f"case API submission {key} (answered {outcome['tracking_no']})")
        elif channel == "email":
            found = email_keys.get(email_token(key), [])
            if len(found) != 1 or stored.lines_in[found[0]] != 1:
                findings.lost.append(f"email {key}: {len(found)} inbound keys stored")
        elif key not in stored.inbound or stored.lines_in[key] < 1:
            findings.lost.append(f"{channel} message {key}")
    findings.doubled += [f"transcript line of {key} x{n}" for key, n in stored.lines_in.items() if n > 1]
    findings.doubled += [f"{len(keys)} conversations for one email thread {token}"
                         for token, keys in email_keys.items() if len(keys) > 1]
    findings.other += [f"transcript line without inbound key {key}" for key in stored.lines_in
                       if key not in stored.inbound]
    api_cases = sum(1 for r in stored.cases if r["channel"] == "api")
    if api_cases != len(stored.api_keys):
        findings.doubled.append(f"{api_cases} API cases for {len(stored.api_keys)} idempotency keys")
    answers: dict[str, set[str]] = {}
    for outcome in outcomes:
        if outcome["channel"] == "api" and outcome["tracking_no"]:
            answers.setdefault(outcome["key"], set()).add(outcome["tracking_no"])
    findings.doubled += [f"{key} answered with {sorted(numbers)}" for key, numbers in answers.items()
                         if len(numbers) > 1]
    per_conversation = Counter(r["conversation_key"] for r in stored.cases if r["conversation_key"])
    findings.doubled += [f"{n} cases registered by conversation {key}" for key, n in per_conversation.items() if n > 1]
    return findings


async def wait_until_published(connection: asyncpg.Connection, patience: float = 90) -> int:
    """Waits for the outbox relay to publish every row; the number still unpublished at the end."""
    deadline = time.monotonic() + patience
    while True:
        waiting = int(await connection.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
        if waiting == 0 or time.monotonic() > deadline:
            return waiting
        await asyncio.sleep(0.5)


async def check_queue(connection: asyncpg.Connection, redis_url: str, findings: Findings,
                      prefix: str = "intake") -> dict[str, int]:
    """Every outbox row (every registered case has one) in the stream of its topic exactly once."""
    waiting = await wait_until_published(connection)
    if waiting:
        findings.other.append(f"{waiting} outbox rows never published")
    rows = await connection.fetch("SELECT id, topic, case_ref, payload::text AS payload FROM outbox")
    registered = Counter(r["case_ref"] for r in rows if '"CaseRegistered"' in r["payload"])
    for tracking_no in (r["tracking_no"] for r in await connection.fetch("SELECT tracking_no FROM cases")):
        if registered[tracking_no] != 1:
            findings.other.append(f"case {tracking_no} has {registered[tracking_no]} CaseRegistered outbox rows")
    client = Redis.from_url(redis_url, decode_responses=True)
    counted: Counter[str] = Counter()
    try:
        for topic in {r["topic"] for r in rows}:
            # redis-py's stubs do not know decode_responses: the entries are (str, dict[str, str]).
            entries: list[tuple[str, dict[str, str]]] = await client.xrange("{" + f"{prefix}:{topic}" + "}:stream")  # type: ignore[assignment]
            counted.update(fields["entry_id"] for _id, fields in entries)
    finally:
        await client.aclose()
    ids = {str(r["id"]) for r in rows}
    findings.lost += [f"outbox row {i} not in the queue stream" for i in sorted(ids - set(counted), key=int)]
    findings.doubled += [f"outbox row {i} in the queue stream x{n}" for i, n in counted.items() if n > 1]
    findings.other += [f"stream entry {i} has no outbox row" for i in set(counted) - ids]
    return {"outbox_rows": len(rows), "stream_entries": sum(counted.values())}


async def check_all(database_url: str, outcomes: list[dict[str, Any]],
                    redis_url: str | None = None) -> tuple[Findings, dict[str, int]]:
    connection = await asyncpg.connect(plain_url(database_url), timeout=10)
    try:
        stored = await Stored.read(connection)
        findings = check_messages(outcomes, stored)
        counts = {"inbound_keys": len(stored.inbound), "cases": len(stored.cases)}
        if redis_url is not None:
            counts |= await check_queue(connection, redis_url, findings)
    finally:
        await connection.close()
    return findings, counts
