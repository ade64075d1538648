"""What staff see of a case: its fields, evidence, one timeline across channels, audit trail,
departments, progress and SLA clocks. Built from rows; no reporter identity is ever part of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from intake_core.calendar import WorkingCalendar

GREEN, AMBER, RED, MET = "green", "amber", "red", "met"
ANSWERED_STATUSES = frozenset({"answered", "closed", "archived", "referred"})


@dataclass(frozen=True, slots=True)
class EvidenceView:
    id: int
    name: str
    media_type: str
    size: int
    sha256: str
    added_at: datetime


@dataclass(frozen=True, slots=True)
class TimelineLine:
    at: datetime
    direction: str  # in (citizen), out (bot or staff), note (internal)
    author: str
    text: str
    source: str  # the conversation's channel, or "case" for notes added to the case


@dataclass(frozen=True, slots=True)
class AuditLine:
    position: int
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class SlaClock:
    name: str  # acknowledge, progress_notice, answer, review
    due: datetime
    remaining: timedelta  # working time left; negative when overdue (clock time since the due moment)
    urgency: str  # green, amber, red, or met


@dataclass(frozen=True, slots=True)
class DepartmentView:
    code: str
    role: str  # lead, cooperating
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class ProgressView:
    department: str
    author: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CaseDetail:
    tracking_no: str
    kind: str
    category: str
    status: str
    priority: str
    jurisdiction: str
    referral_body: str | None
    channel: str
    first_receiver: str | None
    locale: str
    description: str
    target: str | None
    target_type: str | None
    occurred_at: datetime | None
    received_at: datetime
    anonymous: bool
    identity_sealed: bool  # there is a sealed identity or contact route a custodian could open
    assignee: str | None
    public_answer: str | None
    answered_at: datetime | None
    closed_at: datetime | None
    answer_by: datetime
    answer_extended_by: datetime | None
    extended: bool  # the one extension under the formal procedure was granted
    conversation_key: str | None
    cluster_id: int | None
    cluster_members: tuple[str, ...] = ()
    evidence: tuple[EvidenceView, ...] = ()
    timeline: tuple[TimelineLine, ...] = ()
    audit: tuple[AuditLine, ...] = ()
    clocks: tuple[SlaClock, ...] = ()
    departments: tuple[DepartmentView, ...] = field(default_factory=tuple)
    progress: tuple[ProgressView, ...] = ()

    @property
    def lead_department(self) -> str | None:
        return next((d.code for d in self.departments if d.role == "lead"), None)


def urgency(calendar: WorkingCalendar, start: datetime, due: datetime, now: datetime,
            working: bool = True) -> tuple[str, timedelta]:
    """Red when overdue or under a quarter of the clock's time is left, amber under half. Deadlines set in
    working days count working time; those set in clock hours (24 h, 48 h) count every hour."""
    if now >= due:
        return RED, -(now - due)
    if working:
        total = calendar.working_time_between(start, due) or (due - start)
        left = calendar.working_time_between(now, due)
    else:
        total, left = due - start, due - now
    if left * 4 < total:
        return RED, left
    if left * 2 < total:
        return AMBER, left
    return GREEN, left


def clocks(calendar: WorkingCalendar, row: Any, extended: bool, now: datetime,
           hourly: frozenset[str] = frozenset()) -> tuple[SlaClock, ...]:
    """`hourly`: the clocks whose deadline is set in clock hours."""
    answer_due = row.answer_extended_by if extended and row.answer_extended_by else row.answer_by
    plan = [("acknowledge", row.acknowledge_by, row.status not in ("received", "registered")),
            ("progress_notice", row.progress_notice_by, row.status in ANSWERED_STATUSES),
            ("answer", answer_due, row.answered_at is not None or row.status in ANSWERED_STATUSES)]
    if row.review_by is not None:
        plan.append(("review", row.review_by, row.status in ("closed", "archived")))
    result = []
    for name, due, met in plan:
        colour, left = urgency(calendar, row.received_at, due, now, working=name not in hourly)
        result.append(SlaClock(name, due, left, MET if met else colour))
    return tuple(result)


def timeline(transcript: Sequence[Any], notes: Sequence[Any], has_conversation: bool) -> tuple[TimelineLine, ...]:
    """One timeline across channels: the conversation(s) and what was added to the case. Staff messages
    are both a note and a transcript line when the case has a conversation; they appear once."""
    lines = [TimelineLine(r.at, r.direction, r.author, r.text, r.conversation_key.split(":", 1)[0])
             for r in transcript]
    for note in notes:
        if has_conversation and note.source.startswith("agent:"):
            continue
        direction = "in" if note.source == "citizen" else "out" if note.source.startswith("agent:") else "note"
        lines.append(TimelineLine(note.added_at, direction, note.source, note.text, "case"))
    return tuple(sorted(lines, key=lambda line: line.at))


def evidence_views(rows: Sequence[Any]) -> tuple[EvidenceView, ...]:
    return tuple(EvidenceView(r.id, r.name, r.media_type, r.size, r.sha256, r.added_at) for r in rows)


def audit_lines(rows: Sequence[Any]) -> tuple[AuditLine, ...]:
    return tuple(AuditLine(r.position, r.at, r.actor, r.action, r.from_status, r.to_status, r.reason) for r in rows)


REDACTED = "[已加密]"


def identity_values(identity: Any) -> list[str]:
    """What must not appear in a staff view: each identity value, and a phone's national number."""
    values = [v for v in identity.as_dict().values() if len(v.strip()) >= 2]
    digits = "".join(ch for ch in identity.phone or "" if ch.isdigit())
    if len(digits) >= 11:
        values.append(digits[-11:])
    return sorted(set(values), key=len, reverse=True)  # longest first: a value inside another goes too


def redact(detail: CaseDetail, values: Sequence[str]) -> CaseDetail:
    """The dialogue asked for the name and phone in the conversation, so the transcript holds them too:
    staff see them masked there and in the free text, as in the identity fields."""
    if not values:
        return detail

    def mask(text: str | None) -> str | None:
        for value in values:
            text = text.replace(value, REDACTED) if text else text
        return text

    return replace(detail, description=mask(detail.description) or "", target=mask(detail.target),
                   timeline=tuple(replace(line, text=mask(line.text) or "") for line in detail.timeline),
                   progress=tuple(replace(p, text=mask(p.text) or "") for p in detail.progress),
                   public_answer=mask(detail.public_answer),
                   audit=tuple(replace(a, reason=mask(a.reason)) for a in detail.audit))
