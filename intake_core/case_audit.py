"""One append to a case's audit chain, for services other than IntakeService that act on a case."""

from __future__ import annotations

from typing import Any

from intake_core.audit import next_entry
from intake_core.errors import ValidationFailed
from intake_core.ports import Clock
from intake_core.storage.repository import Repository


async def append_case_audit(repo: Repository, row: Any, actor: str, action: str, to_status: str | None,
                            reason: str | None, clock: Clock, **case_values: Any) -> None:
    """Appends after the case's recorded head and moves the head in the same compare-and-set on the
    status, as the intake service does, so the chain stays verifiable by `intake audit verify`.
    `row` must be read in this unit of work (for update) so two appends cannot take the same position."""
    now = clock.now()
    entry = next_entry(row.tracking_no, (row.audit_position, row.audit_head), now, actor, action,
                       row.status if to_status else None, to_status, reason)
    values = {"audit_position": entry.position, "audit_head": entry.hash, "updated_at": now, **case_values}
    if to_status:
        values["status"] = to_status
    if not await repo.update_case(row.id, row.status, **values):
        raise ValidationFailed("the case changed meanwhile; reload and try again", field="status")
    await repo.append_audit(entry)
