"""The queue as the console shows it: work items with their cases' fields, filtered and counted,
and the cases a department handles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intake_core.ports import Clock
from intake_core.storage.database import Database
from intake_core.storage.handling_repository import HandlingRepository, QueueFilter

__all__ = ["CaseQueue", "QueueFilter", "QueueRow", "DepartmentCase"]


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    item_kind: str  # case, live
    tracking_no: str | None
    channel: str
    priority: str
    due_at: datetime
    state: str
    claimed_by: str | None
    kind: str | None  # complaint, report (None for a live conversation)
    category: str | None
    status: str | None
    cluster_id: int | None
    department: str | None  # the lead department
    overdue: bool


@dataclass(frozen=True, slots=True)
class DepartmentCase:
    tracking_no: str
    kind: str
    category: str
    status: str
    priority: str
    answer_by: datetime
    role: str


class CaseQueue:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def items(self, wanted: QueueFilter, limit: int = 200) -> list[QueueRow]:
        """By priority, then the SLA due time."""
        now = self.clock.now()
        async with self.database.unit_of_work() as repo:
            rows = await HandlingRepository(repo.connection).queue(wanted, now, limit)
        return [QueueRow(r.id, r.item_kind, r.tracking_no, r.channel, r.priority, r.due_at, r.state, r.claimed_by,
                         r.kind, r.category, r.status, r.cluster_id, r.department, r.due_at < now) for r in rows]

    async def counts(self) -> dict[str, int]:
        async with self.database.unit_of_work() as repo:
            return await HandlingRepository(repo.connection).queue_counts(self.clock.now())

    async def department_cases(self, department: str) -> list[DepartmentCase]:
        async with self.database.unit_of_work() as repo:
            rows = await HandlingRepository(repo.connection).department_cases(department)
        return [DepartmentCase(r.tracking_no, r.kind, r.category, r.status, r.priority, r.answer_by, r.role)
                for r in rows]
