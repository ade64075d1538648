"""Append-only, hash-chained audit entries. Each case has its own chain; the case row keeps the
head, so an edited, inserted or removed entry (the last one included) breaks verification.

The hash covers the SHA-256 of the free-text reason rather than the text itself, so that retention can
remove reasons (which may name people) and keep the digest: the chain still verifies afterwards."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    chain: str  # tracking number, or "system" for events outside any case
    position: int
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    prev_hash: str
    hash: str
    reason_digest: str | None = None  # kept when retention removes the reason


def digest_of_reason(reason: str | None) -> str | None:
    return None if reason is None else hashlib.sha256(reason.encode("utf-8")).hexdigest()


def entry_hash(chain: str, position: int, at: datetime, actor: str, action: str,
               from_status: str | None, to_status: str | None, reason_digest: str | None, prev_hash: str) -> str:
    body = json.dumps(
        [chain, position, at.isoformat(), actor, action, from_status, to_status, reason_digest, prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def next_entry(chain: str, head: tuple[int, str] | None, at: datetime,
               actor: str, action: str, from_status: str | None = None, to_status: str | None = None,
               reason: str | None = None) -> AuditEntry:
    """The entry after `head` (position, hash); (0, GENESIS) starts a chain."""
    position, prev_hash = head or (0, GENESIS)
    position += 1
    reason_digest = digest_of_reason(reason)
    digest = entry_hash(chain, position, at, actor, action, from_status, to_status, reason_digest, prev_hash)
    return AuditEntry(chain, position, at, actor, action, from_status, to_status, reason, prev_hash, digest,
                      reason_digest)


@dataclass(frozen=True, slots=True)
class ChainProblem:
    chain: str
    position: int
    problem: str


def verify_chain(chain: str, entries: Iterable[AuditEntry], head: tuple[int, str]) -> list[ChainProblem]:
    """Problems found in one chain, in order; an empty list means the chain is intact."""
    problems: list[ChainProblem] = []
    expected_prev, expected_position = GENESIS, 1
    for entry in entries:
        if entry.position != expected_position:
            problems.append(ChainProblem(chain, expected_position, "entry missing or out of order"))
        if entry.prev_hash != expected_prev:
            problems.append(ChainProblem(chain, entry.position, "link to previous entry broken"))
        # A reason still present must match its digest; a removed one leaves the digest to check.
        reason_digest = entry.reason_digest if entry.reason is None else digest_of_reason(entry.reason)
        recomputed = entry_hash(chain, entry.position, entry.at, entry.actor, entry.action,
                                entry.from_status, entry.to_status, reason_digest, entry.prev_hash)
        if recomputed != entry.hash:
            problems.append(ChainProblem(chain, entry.position, "entry was edited"))
        expected_prev, expected_position = entry.hash, entry.position + 1
    if (expected_position - 1, expected_prev) != head:
        problems.append(ChainProblem(chain, head[0], "chain does not end at the recorded head"))
    return problems
