"""The SLA monitor: statutory notices to citizens and reminders to staff, each once per case.

- acknowledgement: a case nobody has written to yet gets the acknowledgement (受理告知) before its
  24 h deadline runs out;
- progress notice: an unanswered case gets the notice that investigation takes longer (48 h);
- reminder: at 80 % of the working time to the answer deadline, the assignee is reminded;
- breach: once the answer deadline has passed unanswered, the supervisors are notified;
- satisfaction: a closed case's citizen is asked for a 1-5 rating.

Each action is recorded in `sla_notices` in the same transaction as what it wrote, so a monitor that
runs twice, or on two replicas, acts once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from intake_core.desk import AgentDesk
from intake_core.ports import Clock
from intake_core.satisfaction import mark_awaiting
from intake_core.sla import SlaPolicy
from intake_core.storage.database import Database
from intake_core.storage.repository import Repository
from intake_core.storage.tables import cases, outbound_messages, sla_notices
from intake_core.texts import Texts

log = logging.getLogger(__name__)

OPEN_STATUSES = ("registered", "assigned", "investigating", "decided", "review_requested", "under_review")


@dataclass(frozen=True, slots=True)
class MonitorPolicy:
    notice_lead: timedelta = timedelta(hours=1)  # statutory notices go out this long before they are due
    reminder_fraction: float = 0.8


@dataclass(slots=True)
class MonitorReport:
    acknowledgements: int = 0
    progress_notices: int = 0
    reminders: int = 0
    breaches: int = 0
    satisfaction_requests: int = 0
    cases: list[str] = field(default_factory=list)


class SlaMonitor:
    def __init__(self, database: Database, sla: SlaPolicy, desk: AgentDesk, texts: Texts, clock: Clock,
                 policy: MonitorPolicy | None = None) -> None:
        self.database = database
        self.sla = sla
        self.desk = desk
        self.texts = texts
        self.clock = clock
        self.policy = policy or MonitorPolicy()

    async def run_once(self) -> MonitorReport:
        now = self.clock.now()
        report = MonitorReport()
        async with self.database.connect() as connection:
            rows = (await connection.execute(select(cases).where(cases.c.status.in_(OPEN_STATUSES)))).all()
        for row in rows:
            await self._check(row, now, report)
        async with self.database.connect() as connection:
            closed = (await connection.execute(select(cases).where(cases.c.status == "closed"))).all()
        for row in closed:
            if await self._ask_satisfaction(row, now):
                report.satisfaction_requests += 1
        if report.acknowledgements or report.progress_notices or report.satisfaction_requests:
            self.desk.outbound_written()
        return report

    async def _check(self, row: Any, now: datetime, report: MonitorReport) -> None:
        lead = self.policy.notice_lead
        answered = row.answered_at is not None
        if now >= row.acknowledge_by - lead and not await self._staff_wrote(row.id, row.tracking_no):
            if await self._notify_citizen(row, "acknowledgement", "sla_acknowledgement", now):
                report.acknowledgements += 1
        if now >= row.progress_notice_by - lead and not answered:
            if await self._notify_citizen(row, "progress_notice", "sla_progress_notice", now):
                report.progress_notices += 1
        due = row.answer_extended_by or row.answer_by
        if not answered and now >= self.reminder_moment(row.received_at, due):
            if await self._notify_staff(row, "reminder", f"user:{row.assignee}" if row.assignee else "supervisor",
                                        now, due):
                report.reminders += 1
        if not answered and now > due:
            if await self._notify_staff(row, "breach", "supervisor", now, due):
                report.breaches += 1

    def reminder_moment(self, received_at: datetime, due: datetime) -> datetime:
        calendar = self.sla.calendar
        total = calendar.working_time_between(received_at, due)
        return calendar.after_working_time(received_at, total * self.policy.reminder_fraction, due)

    async def _staff_wrote(self, case_id: int, tracking_no: str) -> bool:
        """A person already answered the citizen (an agent's message), so no automatic acknowledgement."""
        async with self.database.connect() as connection:
            found = await connection.execute(
                select(outbound_messages.c.id).where(outbound_messages.c.tracking_no == tracking_no,
                                                     outbound_messages.c.author.like("agent:%")).limit(1))
            return found.first() is not None

    async def _notify_citizen(self, row: Any, kind: str, text_key: str, now: datetime) -> bool:
        text = self.texts.get(row.locale, text_key, tracking_no=row.tracking_no,
                              answer_by=row.answer_extended_by or row.answer_by)
        async with self.database.unit_of_work() as repo:
            if not await _record(repo, row.id, kind, now):
                return False
            await self.desk.write_case_message(repo, row, "system", text)
        return True

    async def _ask_satisfaction(self, row: Any, now: datetime) -> bool:
        """Once per closed case: ask the citizen for a rating; their conversation then awaits it."""
        text = self.texts.get(row.locale, "satisfaction_request", tracking_no=row.tracking_no)
        async with self.database.unit_of_work() as repo:
            if not await _record(repo, row.id, "satisfaction", now):
                return False
            await self.desk.write_case_message(repo, row, "system", text)
            if row.conversation_key:
                conversation = await repo.conversations.get(row.conversation_key, for_update=True)
                if conversation is not None:
                    await repo.conversations.save(row.conversation_key, conversation.updated_at,
                                                  state=mark_awaiting(conversation.state, row.tracking_no))
        return True

    async def _notify_staff(self, row: Any, kind: str, audience: str, now: datetime, due: datetime) -> bool:
        async with self.database.unit_of_work() as repo:
            if not await _record(repo, row.id, kind, now):
                return False
            await repo.desk.add_notification({
                "source_entry": f"sla:{row.tracking_no}:{kind}", "audience": audience, "kind": f"sla_{kind}",
                "tracking_no": row.tracking_no, "detail": {"due": due.isoformat(), "priority": row.priority},
                "created_at": now})
        log.info("SLA %s for case %s", kind, row.tracking_no)
        return True


async def _record(repo: Repository, case_id: int, kind: str, at: datetime) -> bool:
    """True the first time this case gets this kind of notice."""
    return await repo.desk.add_once(sla_notices, {"case_id": case_id, "kind": kind, "at": at},
                                    ["case_id", "kind"])
