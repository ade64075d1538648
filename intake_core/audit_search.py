"""The audit log as auditors read it: newest entries first, of one chain or one actor if asked."""

from __future__ import annotations

from intake_core.case_view import AuditLine
from intake_core.storage.database import Database
from intake_core.storage.handling_repository import HandlingRepository


async def recent_entries(database: Database, limit: int = 500, chain: str | None = None,
                         actor: str | None = None) -> list[tuple[str, AuditLine]]:
    """(chain, entry) pairs."""
    async with database.unit_of_work() as repo:
        rows = await HandlingRepository(repo.connection).recent_audit(limit, chain, actor)
    return [(r.chain, AuditLine(r.position, r.at, r.actor, r.action, r.from_status, r.to_status, r.reason))
            for r in rows]
