"""Storage reads and writes of case handling: departments, assignment, progress, the staff's case view
and the queue as the console shows it (work items with their cases' fields)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake_core.storage.tables import (
    audit_log,
    case_departments,
    case_notes,
    case_progress,
    cases,
    departments,
    evidence,
    transcript,
    work_items,
)

_RANK = case({"P1": 1, "P2": 2, "P3": 3, "P4": 4}, value=work_items.c.priority, else_=9)


@dataclass(frozen=True, slots=True)
class QueueFilter:
    channel: str | None = None
    kind: str | None = None  # complaint, report, or live (a conversation waiting for a person)
    category: str | None = None
    status: str | None = None
    department: str | None = None
    overdue: bool = False
    cluster: int | None = None
    states: tuple[str, ...] = ("open", "claimed")


class HandlingRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    # -- departments ---------------------------------------------------------------------------
    async def departments(self, include_inactive: bool = False) -> Sequence[Row[Any]]:
        query = select(departments)
        if not include_inactive:
            query = query.where(departments.c.active.is_(True))
        return (await self.connection.execute(query.order_by(departments.c.external, departments.c.code))).all()

    async def department(self, code: str) -> Row[Any] | None:
        return (await self.connection.execute(select(departments).where(departments.c.code == code))).first()

    async def add_department(self, values: dict[str, Any]) -> None:
        await self.connection.execute(departments.insert(), values)

    async def set_department_active(self, code: str, active: bool) -> bool:
        outcome = await self.connection.execute(
            update(departments).where(departments.c.code == code).values(active=active))
        return outcome.rowcount == 1

    async def replace_case_departments(self, case_id: int, rows: list[dict[str, Any]]) -> None:
        await self.connection.execute(delete(case_departments).where(case_departments.c.case_id == case_id))
        if rows:
            await self.connection.execute(case_departments.insert(), rows)

    async def case_departments(self, case_id: int) -> Sequence[Row[Any]]:
        query = (select(case_departments.c.department, case_departments.c.role, departments.c.name_zh,
                        departments.c.name_en)
                 .join(departments, departments.c.code == case_departments.c.department)
                 .where(case_departments.c.case_id == case_id)
                 .order_by(case_departments.c.role.desc(), case_departments.c.department))
        return (await self.connection.execute(query)).all()

    # -- progress, notes, evidence, audit -------------------------------------------------------
    async def add_progress(self, values: dict[str, Any]) -> None:
        await self.connection.execute(case_progress.insert(), values)

    async def progress(self, case_id: int) -> Sequence[Row[Any]]:
        query = select(case_progress).where(case_progress.c.case_id == case_id).order_by(case_progress.c.id)
        return (await self.connection.execute(query)).all()

    async def notes(self, case_id: int) -> Sequence[Row[Any]]:
        query = select(case_notes).where(case_notes.c.case_id == case_id).order_by(case_notes.c.id)
        return (await self.connection.execute(query)).all()

    async def evidence(self, case_id: int) -> Sequence[Row[Any]]:
        query = select(evidence).where(evidence.c.case_id == case_id).order_by(evidence.c.id)
        return (await self.connection.execute(query)).all()

    async def audit(self, chain: str) -> Sequence[Row[Any]]:
        query = select(audit_log).where(audit_log.c.chain == chain).order_by(audit_log.c.position)
        return (await self.connection.execute(query)).all()

    async def has_audit_action(self, chain: str, action: str) -> bool:
        query = select(func.count()).select_from(audit_log).where(audit_log.c.chain == chain,
                                                                  audit_log.c.action == action)
        return int((await self.connection.execute(query)).scalar_one()) > 0

    async def recent_audit(self, limit: int, chain: str | None = None,
                           actor: str | None = None) -> Sequence[Row[Any]]:
        query = select(audit_log)
        if chain:
            query = query.where(audit_log.c.chain == chain)
        if actor:
            query = query.where(audit_log.c.actor == actor)
        return (await self.connection.execute(query.order_by(audit_log.c.id.desc()).limit(limit))).all()

    async def transcript(self, conversation_key: str | None, tracking_no: str, limit: int = 1000) -> Sequence[Row[Any]]:
        """The case's own conversation and every line of other conversations that named the case."""
        condition = transcript.c.case_tracking_no == tracking_no
        if conversation_key:
            condition = or_(condition, transcript.c.conversation_key == conversation_key)
        query = select(transcript).where(condition).order_by(transcript.c.at, transcript.c.id).limit(limit)
        return (await self.connection.execute(query)).all()

    async def cluster_members(self, cluster_id: int) -> list[str]:
        query = select(cases.c.tracking_no).where(cases.c.cluster_id == cluster_id).order_by(cases.c.id)
        return [row.tracking_no for row in await self.connection.execute(query)]

    # -- the console's queue -------------------------------------------------------------------
    async def queue(self, wanted: QueueFilter, now: datetime, limit: int = 200) -> Sequence[Row[Any]]:
        lead = (select(case_departments.c.case_id, case_departments.c.department)
                .where(case_departments.c.role == "lead").subquery())
        query = (select(work_items.c.id, work_items.c.kind.label("item_kind"), work_items.c.tracking_no,
                        work_items.c.conversation_key, work_items.c.channel, work_items.c.priority,
                        work_items.c.due_at, work_items.c.state, work_items.c.claimed_by, work_items.c.created_at,
                        cases.c.kind, cases.c.category, cases.c.status, cases.c.cluster_id,
                        lead.c.department)
                 .select_from(work_items.outerjoin(cases, cases.c.tracking_no == work_items.c.tracking_no)
                              .outerjoin(lead, lead.c.case_id == cases.c.id))
                 .where(work_items.c.state.in_(wanted.states)))
        if wanted.channel:
            query = query.where(work_items.c.channel == wanted.channel)
        if wanted.kind == "live":
            query = query.where(work_items.c.kind == "live")
        elif wanted.kind:
            query = query.where(cases.c.kind == wanted.kind)
        if wanted.category:
            query = query.where(cases.c.category == wanted.category)
        if wanted.status:
            query = query.where(cases.c.status == wanted.status)
        if wanted.department:
            query = query.where(lead.c.department == wanted.department)
        if wanted.overdue:
            query = query.where(work_items.c.due_at < now)
        if wanted.cluster is not None:
            query = query.where(cases.c.cluster_id == wanted.cluster)
        query = query.order_by(_RANK, work_items.c.due_at, work_items.c.id).limit(limit)
        return (await self.connection.execute(query)).all()

    async def queue_counts(self, now: datetime) -> dict[str, int]:
        active = work_items.c.state != "done"
        query = select(
            func.count().filter(and_(active, work_items.c.state == "open")),
            func.count().filter(and_(active, work_items.c.state == "claimed")),
            func.count().filter(and_(active, work_items.c.kind == "live", work_items.c.state == "open")),
            func.count().filter(and_(active, work_items.c.due_at < now)),
            func.count().filter(and_(active, work_items.c.priority == "P1")),
        ).select_from(work_items)
        row = (await self.connection.execute(query)).one()
        return {"open": int(row[0]), "claimed": int(row[1]), "live": int(row[2]), "overdue": int(row[3]),
                "p1": int(row[4])}

    async def department_cases(self, department: str, limit: int = 200) -> Sequence[Row[Any]]:
        """Cases a department leads or cooperates on, by answer deadline."""
        query = (select(cases.c.tracking_no, cases.c.kind, cases.c.category, cases.c.status, cases.c.priority,
                        cases.c.answer_by, case_departments.c.role)
                 .join(case_departments, case_departments.c.case_id == cases.c.id)
                 .where(case_departments.c.department == department)
                 .order_by(cases.c.answer_by).limit(limit))
        return (await self.connection.execute(query)).all()

    async def case_in_department(self, case_id: int, department: str) -> bool:
        query = select(func.count()).select_from(case_departments).where(
            case_departments.c.case_id == case_id, case_departments.c.department == department)
        return int((await self.connection.execute(query)).scalar_one()) > 0
