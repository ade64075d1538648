"""Case handling by staff beyond the intake desk: the audited case view, identity reveal by the custodian,
department assignment and progress, transfer out of scope, the one deadline extension, the written
answer (书面答复) and closing. Every act lands in the case's audit chain; role checks happen here, so
every front end (console, API, CLI) enforces the same rules."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from intake_core.access import AGENT, AUDITOR, CUSTODIAN, DESK, HANDLER, SUPERVISOR, PermissionDenied, require
from intake_core.case_audit import append_case_audit
from intake_core.case_view import (
    CaseDetail,
    DepartmentView,
    ProgressView,
    audit_lines,
    clocks,
    evidence_views,
    identity_values,
    redact,
    timeline,
)
from intake_core.crypto import IdentityOpener
from intake_core.desk import AgentDesk
from intake_core.errors import CaseNotFound, TransitionNotAllowed, ValidationFailed
from intake_core.handling_texts import notice
from intake_core.lifecycle import ALLOWED, Status
from intake_core.model import ReporterIdentity
from intake_core.ports import Clock
from intake_core.service import IntakeService
from intake_core.sla import SlaPolicy
from intake_core.staff import StaffUser
from intake_core.storage.database import Database
from intake_core.storage.handling_repository import HandlingRepository
from intake_core.storage.repository import Repository

EXTENDED = "deadline_extended"
TEXT_MAX = 5000
# Referral is not a way to an answer, and only the citizen asks for a review.
_NOT_ON_THE_WAY = {Status.OUT_OF_SCOPE, Status.REFERRED, Status.REVIEW_REQUESTED}


@dataclass(frozen=True, slots=True)
class RevealedIdentity:
    identity: ReporterIdentity
    contact_route: str | None


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    name: str
    media_type: str
    sha256: str
    path: str


def _text(value: str, field: str, limit: int = TEXT_MAX) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise ValidationFailed(f"the {field} is required", field=field)
    if len(cleaned) > limit:
        raise ValidationFailed(f"the {field} is longer than {limit} characters", field=field)
    return cleaned


def path_to(current: str, goal: Status) -> list[Status]:
    """The shortest run of allowed moves from `current` to `goal` that skips referral."""
    start = Status(current)
    seen, todo = {start: [start]}, deque([start])
    while todo:
        at = todo.popleft()
        for following in sorted(ALLOWED[at] - _NOT_ON_THE_WAY - {at}):
            if following not in seen:
                seen[following] = [*seen[at], following]
                todo.append(following)
    return seen[goal][1:] if goal in seen and goal != start else []


class CaseHandling:
    def __init__(self, database: Database, intake: IntakeService, desk: AgentDesk, sla: SlaPolicy,
                 opener: IdentityOpener | None, clock: Clock) -> None:
        self.database = database
        self.intake = intake
        self.desk = desk
        self.sla = sla
        self.opener = opener
        self.clock = clock

    # -- reading -------------------------------------------------------------------------------
    async def view(self, tracking_no: str, user: StaffUser) -> CaseDetail:
        """The case as staff see it; the view itself is recorded in the case's audit chain."""
        await self.record_view(tracking_no, user)
        return await self.detail(tracking_no, user)

    async def record_view(self, tracking_no: str, user: StaffUser) -> None:
        async with self.database.unit_of_work() as repo:
            row = await self._case(repo, tracking_no, for_update=True)
            await self._may_see(repo, row, user)
            await append_case_audit(repo, row, user.username, "viewed", None, None, self.clock)

    async def detail(self, tracking_no: str, user: StaffUser) -> CaseDetail:
        async with self.database.unit_of_work() as repo:
            row = await self._case(repo, tracking_no)
            await self._may_see(repo, row, user)
            handling = HandlingRepository(repo.connection)
            extended = await handling.has_audit_action(row.tracking_no, EXTENDED)
            lines = await handling.transcript(row.conversation_key, row.tracking_no)
            notes = await handling.notes(row.id)
            members = await handling.cluster_members(row.cluster_id) if row.cluster_id else []
            detail = CaseDetail(
                tracking_no=row.tracking_no, kind=row.kind, category=row.category, status=row.status,
                priority=row.priority, jurisdiction=row.jurisdiction, referral_body=row.referral_body,
                channel=row.channel, first_receiver=row.first_receiver, locale=row.locale,
                description=row.description, target=row.target, target_type=row.target_type,
                occurred_at=row.occurred_at, received_at=row.received_at, anonymous=bool(row.anonymous),
                identity_sealed=row.identity_sealed is not None, assignee=row.assignee,
                public_answer=row.public_answer, answered_at=row.answered_at, closed_at=row.closed_at,
                answer_by=row.answer_by, answer_extended_by=row.answer_extended_by, extended=extended,
                conversation_key=row.conversation_key, cluster_id=row.cluster_id,
                cluster_members=tuple(m for m in members if m != row.tracking_no),
                evidence=evidence_views(await handling.evidence(row.id)),
                timeline=timeline(lines, notes, bool(row.conversation_key)),
                audit=audit_lines(await handling.audit(row.tracking_no)),
                clocks=clocks(self.sla.calendar, row, extended, self.clock.now(), self._hourly(row.sla_profile)),
                departments=tuple(DepartmentView(d.department, d.role, d.name_zh, d.name_en)
                                  for d in await handling.case_departments(row.id)),
                progress=tuple(ProgressView(p.department, p.author, p.text, p.at)
                               for p in await handling.progress(row.id)))
        if self.opener is None or row.identity_sealed is None:
            return detail
        return redact(detail, identity_values(self.opener.open(row.identity_sealed).identity))

    async def evidence_file(self, tracking_no: str, evidence_id: int, user: StaffUser) -> EvidenceFile:
        """A stored evidence file for download; the download is audited."""
        async with self.database.unit_of_work() as repo:
            row = await self._case(repo, tracking_no, for_update=True)
            await self._may_see(repo, row, user)
            found = next((e for e in await HandlingRepository(repo.connection).evidence(row.id)
                          if e.id == evidence_id), None)
            if found is None:
                raise CaseNotFound("no such evidence in this case", field="evidence")
            await append_case_audit(repo, row, user.username, "evidence_downloaded", None, found.sha256, self.clock)
        return EvidenceFile(found.name, found.media_type, found.sha256, found.stored_path)

    # -- identity ------------------------------------------------------------------------------
    async def reveal_identity(self, tracking_no: str, user: StaffUser, reason: str) -> RevealedIdentity:
        """Custodian only, with a stated reason; the reveal and its reason are audited before anything opens."""
        require(user.roles, CUSTODIAN)
        reason = _text(reason, "reason", 2000)
        if self.opener is None:
            raise PermissionDenied("this host has no private key to open identities", field="key")
        async with self.database.unit_of_work() as repo:
            row = await self._case(repo, tracking_no, for_update=True)
            await append_case_audit(repo, row, user.username, "identity_revealed", None, reason, self.clock)
        if row.identity_sealed is None:
            return RevealedIdentity(ReporterIdentity(), None)
        contents = self.opener.open(row.identity_sealed)
        return RevealedIdentity(contents.identity, contents.contact_route)

    # -- departments ---------------------------------------------------------------------------
    async def assign_departments(self, tracking_no: str, lead: str, cooperating: list[str], user: StaffUser,
                                 reason: str) -> None:
        require(user.roles, *DESK)
        reason = _text(reason, "reason", 2000)
        others = [code for code in dict.fromkeys(cooperating) if code and code != lead]
        now = self.clock.now()
        async with self.database.unit_of_work() as repo:
            row = await self._case(repo, tracking_no, for_update=True)
            handling = HandlingRepository(repo.connection)
            for code in [lead, *others]:
                department = await handling.department(code)
                if department is None or department.external or not department.active:
                    raise ValidationFailed(f"no active internal department {code!r}", field="department")
            await handling.replace_case_departments(row.id, [
                {"case_id": row.id, "department": code, "role": "lead" if code == lead else "cooperating",
                 "assigned_at": now, "assigned_by": user.username} for code in [lead, *others]])
            summary = f"lead={lead}; cooperating={','.join(others) or '-'}; {reason}"
            await append_case_audit(repo, row, user.username, "departments_assigned", None, summary, self.clock)

    async def report_progress(self, tracking_no: str, department: str, text: str, user: StaffUser) -> None:
        """A handler reports for their own department on a case it was assigned; supervisors for any."""
        require(user.roles, HANDLER, SUPERVISOR)
        text = _text(text, "text")
        async with self.database.unit_of_work() as repo:
            row = await self._case(repo, tracking_no, for_update=True)
            handling = HandlingRepository(repo.connection)
            if not await handling.case_in_department(row.id, department):
                raise ValidationFailed("this department is not assigned to the case", field="department")
            if not user.has(SUPERVISOR) and user.department != department:
                raise PermissionDenied("handlers report for their own department", field="department")
            await handling.add_progress({"case_id": row.id, "department": department, "author": user.username,
                                         "text": text, "at": self.clock.now()})
            await append_case_audit(repo, row, user.username, "progress_reported", None, department, self.clock)

    # -- moving the case on ----------------------------------------------------------------------
    async def change_status(self, tracking_no: str, user: StaffUser, target: str, reason: str) -> str:
        require(user.roles, *DESK)
        return await self.desk.change_status(tracking_no, user.username, target, _text(reason, "reason", 2000))

    async def message(self, tracking_no: str, user: StaffUser, text: str) -> int:
        """A message to the citizen through the channel the case came from."""
        require(user.roles, *DESK)
        return await self.desk.message_case(tracking_no, user.username, _text(text, "text"))

    async def transfer(self, tracking_no: str, external_body_code: str, reason: str, user: StaffUser) -> str:
        """Out of scope: the case goes to the competent external body and the citizen is told where."""
        require(user.roles, *DESK)
        reason = _text(reason, "reason", 2000)
        async with self.database.unit_of_work() as repo:
            row = await self._case(repo, tracking_no, for_update=True)
            body = await HandlingRepository(repo.connection).department(external_body_code)
            if body is None or not body.external or not body.active:
                raise ValidationFailed("choose an active external body", field="body")
            if row.status != Status.OUT_OF_SCOPE and Status.OUT_OF_SCOPE not in ALLOWED[Status(row.status)]:
                raise TransitionNotAllowed(f"a case in status {row.status} cannot be transferred", field="status")
            await append_case_audit(repo, row, user.username, "transferred", None, f"{body.code}: {reason}",
                                    self.clock, jurisdiction="referral", referral_body=body.name_zh)
        if row.status != Status.OUT_OF_SCOPE:
            await self.desk.change_status(tracking_no, user.username, Status.OUT_OF_SCOPE.value, reason)
        reached = await self.desk.change_status(tracking_no, user.username, Status.REFERRED.value, reason)
        name = body.name_en if row.locale == "en" else body.name_zh
        await self.desk.message_case(tracking_no, user.username, notice(
            row.locale, "transferred", tracking_no=tracking_no, body=name, reason=reason))
        return reached

    async def extend_deadline(self, tracking_no: str, user: StaffUser, reason: str) -> Any:
        """Supervisor only, once per case: the answer deadline moves 30 calendar days past the current one
        (the formal procedure's extension); the citizen is told the new date."""
        require(user.roles, SUPERVISOR)
        reason = _text(reason, "reason", 2000)
        async with self.database.unit_of_work() as repo:
            row = await self._case(repo, tracking_no, for_update=True)
            if row.status in (Status.CLOSED, Status.ARCHIVED, Status.REFERRED, Status.ANSWERED):
                raise TransitionNotAllowed("only a case still being handled can be extended", field="status")
            if await HandlingRepository(repo.connection).has_audit_action(row.tracking_no, EXTENDED):
                raise TransitionNotAllowed("the deadline was extended before; it may be extended once",
                                           field="deadline")
            profile = row.sla_profile if self.sla.profile(row.sla_profile).extension else "formal"
            until = self.sla.extension(profile, row.answer_by)
            if until is None:
                raise ValidationFailed("no extension is configured", field="deadline")
            await append_case_audit(repo, row, user.username, EXTENDED, None, reason, self.clock,
                                    answer_extended_by=until)
        await self.desk.message_case(tracking_no, user.username, notice(
            row.locale, "extended", tracking_no=tracking_no, reason=reason,
            until=until.astimezone(self.sla.calendar.timezone).strftime("%Y-%m-%d %H:%M")))
        return until

    async def answer(self, tracking_no: str, user: StaffUser, written_answer: str) -> str:
        """Records the decision's written answer, moves the case on to answered through the allowed
        statuses, and sends the answer to the citizen through their channel."""
        require(user.roles, *DESK)
        text = _text(written_answer, "answer")
        async with self.database.unit_of_work() as repo:
            row = await self._case(repo, tracking_no, for_update=True)
            steps = path_to(row.status, Status.ANSWERED)
            if not steps:
                raise TransitionNotAllowed(f"a case in status {row.status} cannot be answered", field="status")
            await append_case_audit(repo, row, user.username, "answer_written", None, None, self.clock,
                                    public_answer=text, answered_at=self.clock.now())
        for step in steps:
            reason = "written answer sent" if step == Status.ANSWERED else "decided with a written answer"
            await self.intake.transition(tracking_no, step.value, actor=user.username, reason=reason)
        await self.desk.message_case(tracking_no, user.username, notice(
            row.locale, "written_answer", tracking_no=tracking_no, answer=text))
        return Status.ANSWERED.value

    async def close(self, tracking_no: str, user: StaffUser, reason: str) -> str:
        require(user.roles, *DESK)
        return await self.desk.change_status(tracking_no, user.username, Status.CLOSED.value,
                                             _text(reason, "reason", 2000))

    # -- helpers -------------------------------------------------------------------------------
    def _hourly(self, profile_name: str) -> frozenset[str]:
        profile = self.sla.profile(profile_name)
        spans = {"acknowledge": profile.acknowledge, "progress_notice": profile.progress_notice,
                 "answer": profile.answer, "review": self.sla.review}
        return frozenset(name for name, span in spans.items() if span.unit == "hours")

    async def _case(self, repo: Repository, tracking_no: str, for_update: bool = False) -> Any:
        row = await repo.case_by_tracking_no(tracking_no, for_update=for_update)
        if row is None:
            raise CaseNotFound("no case with this tracking number", field="tracking_no")
        return row

    @staticmethod
    async def _may_see(repo: Repository, row: Any, user: StaffUser) -> None:
        """Desk staff, custodians and auditors see every case; handlers those of their department."""
        if user.has(AGENT, SUPERVISOR, CUSTODIAN, AUDITOR):
            return
        if user.has(HANDLER) and user.department and await HandlingRepository(repo.connection).case_in_department(
                row.id, user.department):
            return
        raise PermissionDenied("this case is not assigned to your department", field="case")
