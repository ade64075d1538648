"""The intake service: commands on cases, each in one transaction with its audit entry and outbox rows."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from intake_core import codes
from intake_core.audit import next_entry
from intake_core.canonical import canonical_target
from intake_core.case_audit import append_case_audit
from intake_core.crypto import IdentitySealer
from intake_core.errors import (
    CaseNotFound,
    IntakeError,
    ReceiptLocked,
    ReceiptRejected,
    ReceiptRequired,
    ValidationFailed,
)
from intake_core.events import CaseEscalated, CaseReferred, CaseRegistered, Event, InformationAdded, StatusChanged
from intake_core.lifecycle import Status, check_transition
from intake_core.model import EvidenceItem, IntakeDraft, Jurisdiction
from intake_core.ports import Clock
from intake_core.priority import PriorityRules
from intake_core.replay import ReplayBox
from intake_core.sla import SlaPolicy
from intake_core.storage.database import Database
from intake_core.storage.repository import Repository
from intake_core.taxonomy import Taxonomy
from intake_core.validation import Limits, validate_draft
from intake_core.views import CaseStatusView, Registration, row_deadlines

log = logging.getLogger(__name__)

CITIZEN = "citizen"


class _KeyTakenMeanwhile(Exception):
    """A concurrent request with the same idempotency key committed first: roll back, answer with its result."""


@dataclass(frozen=True, slots=True)
class ReceiptPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)


class IntakeService:
    def __init__(self, database: Database, taxonomy: Taxonomy, priority_rules: PriorityRules, sla: SlaPolicy,
                 sealer: IdentitySealer, receipt_secret: bytes, clock: Clock, limits: Limits | None = None,
                 receipt_policy: ReceiptPolicy | None = None) -> None:
        self.database = database
        self.taxonomy = taxonomy
        self.priority_rules = priority_rules
        self.sla = sla
        self.sealer = sealer
        self.receipt_secret = receipt_secret
        self.clock = clock
        self.limits = limits or Limits()
        self.receipt_policy = receipt_policy or ReceiptPolicy()
        self._replay_box = ReplayBox(receipt_secret)

    # -- submit --------------------------------------------------------------------------------
    def validate(self, draft: IntakeDraft) -> None:
        validate_draft(draft, self.taxonomy, self.limits)

    async def submit(self, draft: IntakeDraft, idempotency_key: str | None = None) -> Registration:
        """Register a case. The same idempotency key always answers with the first registration."""
        category = validate_draft(draft, self.taxonomy, self.limits)
        for _attempt in range(5):
            try:
                async with self.database.unit_of_work() as repo:
                    if idempotency_key:
                        remembered = await repo.remembered_result(idempotency_key)
                        if remembered is not None:
                            return self._replay_box.unpack(remembered)
                    registration = await self._register(repo, draft, category.code)
                    if idempotency_key and not await repo.remember_result(
                            idempotency_key, "submit", self._replay_box.pack(registration), self.clock.now()):
                        raise _KeyTakenMeanwhile
                    return registration
            except (IntegrityError, _KeyTakenMeanwhile):
                # A tracking number or receipt collided, or a concurrent request used the same key:
                # the next attempt draws new codes or finds the remembered result.
                log.info("registration retried after a uniqueness conflict")
        raise RuntimeError("could not register the case after repeated uniqueness conflicts")

    async def _register(self, repo: Repository, draft: IntakeDraft, category_code: str) -> Registration:
        category = self.taxonomy.get(category_code)
        now = self.clock.now()
        tracking_no = codes.new_tracking_no(now.astimezone(self.sla.calendar.timezone).date())
        decision = self.priority_rules.decide(category, draft.description, draft.target)
        deadlines = self.sla.deadlines(category.sla_profile, now)
        jurisdiction = Jurisdiction.IN_SCOPE if category.in_scope else Jurisdiction.REFERRAL
        status = Status.REGISTERED if category.in_scope else Status.OUT_OF_SCOPE
        receipt = codes.new_receipt_code() if draft.anonymous else None
        canonical = canonical_target(draft.target, draft.target_type) if draft.target else None
        cluster_id, cluster_size = await repo.join_cluster(canonical, tracking_no, now) if canonical else (None, 1)
        sealed = None
        if not draft.identity.is_empty() or draft.contact_route:
            sealed = self.sealer.seal(draft.identity, draft.contact_route)
        entry = next_entry(tracking_no, None, now, actor=draft.first_receiver or f"channel:{draft.channel}",
                           action="registered", from_status=Status.RECEIVED, to_status=status,
                           reason=",".join(decision.reasons))
        case_id = await repo.insert_case({
            "tracking_no": tracking_no, "kind": draft.kind.value, "category": category.code,
            "status": status.value, "priority": decision.priority.value, "jurisdiction": jurisdiction.value,
            "referral_body": category.referral_zh, "channel": draft.channel,
            "first_receiver": draft.first_receiver, "locale": draft.locale,
            "description": draft.description.strip(), "target": draft.target,
            "target_type": draft.target_type.value if draft.target_type else None,
            "target_canonical": canonical, "cluster_id": cluster_id, "occurred_at": draft.occurred_at,
            "received_at": now, "sla_profile": category.sla_profile,
            "acknowledge_by": deadlines.acknowledge_by, "progress_notice_by": deadlines.progress_notice_by,
            "answer_by": deadlines.answer_by, "answer_extended_by": deadlines.answer_extended_by,
            "anonymous": draft.anonymous, "identity_sealed": sealed,
            "receipt_digest": codes.receipt_digest(receipt, self.receipt_secret) if receipt else None,
            "receipt_failures": 0, "conversation_key": draft.conversation_key,
            "sender_digest": None if draft.anonymous else draft.sender_digest,
            "audit_position": entry.position, "audit_head": entry.hash, "updated_at": now,
        })
        await repo.add_evidence(case_id, draft.evidence, now)
        await repo.append_audit(entry)
        events: list[Event] = [CaseRegistered(
            tracking_no, draft.kind.value, category.code, decision.priority.value, draft.channel,
            deadlines.answer_by.isoformat(), cluster_id, draft.anonymous)]
        if decision.escalate:
            events.append(CaseEscalated(tracking_no, category.code, decision.reasons))
        if not category.in_scope:
            events.append(CaseReferred(tracking_no, category.code))
        await self._emit(repo, tracking_no, events)
        log.info("case registered", extra={"tracking_no": tracking_no, "priority": decision.priority.value})
        return Registration(
            tracking_no=tracking_no, status=status.value, priority=decision.priority.value,
            jurisdiction=jurisdiction.value, answer_by=deadlines.answer_by,
            acknowledge_by=deadlines.acknowledge_by, receipt=receipt,
            referral=category.referral(draft.locale), cluster_size=cluster_size)

    async def _emit(self, repo: Repository, tracking_no: str, events: Sequence[Event]) -> None:
        await repo.add_outbox([(event.topic, tracking_no, event.payload()) for event in events], self.clock.now())

    # -- follow-up by citizens -------------------------------------------------------------------
    async def status(self, tracking_no: str, receipt: str | None = None,
                     sender_digest: str | None = None) -> CaseStatusView:
        """Status of a case. Anonymous cases answer only to their receipt; in a conversation, an
        identified case answers to the sender who filed it (or to its receipt)."""
        normalized = codes.normalize_tracking_no(tracking_no)
        if normalized is None:
            raise ValidationFailed("not a valid tracking number", field="tracking_no")
        async with self.database.unit_of_work() as repo:
            row = await repo.case_by_tracking_no(normalized, for_update=receipt is not None)
            if row is None:
                raise CaseNotFound("no case with this tracking number", field="tracking_no")
            refusal: IntakeError | None = None
            if sender_digest is not None and not receipt and not row.anonymous:
                if row.sender_digest != sender_digest:
                    raise ReceiptRequired("follow this case from the channel it was filed through",
                                          field="receipt")
            elif row.anonymous or receipt:
                refusal = await self._check_receipt(repo, row, receipt)
        if refusal is not None:
            raise refusal  # after the commit, so the failed attempt counts toward the lockout
        return await self._with_waiting(self._view(row))

    async def status_by_receipt(self, receipt: str) -> CaseStatusView:
        row = await self._case_by_receipt(receipt)
        return await self._with_waiting(self._view(row))

    async def _with_waiting(self, view: CaseStatusView) -> CaseStatusView:
        async with self.database.unit_of_work() as repo:
            waiting = await repo.desk.undelivered_for_case(view.tracking_no)
        return replace(view, waiting_messages=tuple(row.text for row in waiting)) if waiting else view

    async def _case_by_receipt(self, receipt: str) -> Any:
        code = codes.normalize_receipt(receipt)
        if code is None:
            raise ValidationFailed("a receipt code has 16 digits", field="receipt")
        async with self.database.unit_of_work() as repo:
            row = await repo.case_by_receipt_digest(codes.receipt_digest(code, self.receipt_secret))
        if row is None:
            raise ReceiptRejected("no case answers to this receipt code", field="receipt")
        return row

    async def _check_receipt(self, repo: Repository, row: Any, receipt: str | None) -> IntakeError | None:
        """None when the receipt opens the case; otherwise the refusal, with the failure recorded."""
        now = self.clock.now()
        if row.receipt_locked_until is not None and row.receipt_locked_until > now:
            return ReceiptLocked("too many wrong receipt codes; try again later", field="receipt")
        code = codes.normalize_receipt(receipt or "")
        if code is not None and row.receipt_digest and codes.receipt_matches(
                code, row.receipt_digest, self.receipt_secret):
            if row.receipt_failures:
                await repo.update_case(row.id, None, receipt_failures=0, receipt_locked_until=None)
            return None
        failures = row.receipt_failures + 1
        locked = now + self.receipt_policy.lockout if failures >= self.receipt_policy.max_failures else None
        await repo.update_case(row.id, None, receipt_failures=0 if locked else failures,
                               receipt_locked_until=locked)
        return ReceiptRejected("the receipt code does not match this case", field="receipt")

    async def note_undeliverable(self, tracking_no: str, reason: str) -> None:
        """A staff message could not reach the citizen through their channel: the case records it
        (无法反馈的予以注明) and the message waits for a status query with the receipt or tracking number."""
        async with self.database.unit_of_work() as repo:
            row = await repo.case_by_tracking_no(tracking_no, for_update=True)
            if row is None:
                raise CaseNotFound("no case with this tracking number", field="tracking_no")
            await repo.add_note(row.id, "system", f"answer could not be delivered: {reason}", self.clock.now())
            await self._audit(repo, row, "system", "answer_undeliverable", None, reason)

    async def add_information(self, text: str, evidence: Sequence[EvidenceItem] = (),
                              tracking_no: str | None = None, receipt: str | None = None,
                              sender_digest: str | None = None) -> str:
        """A citizen adds to an existing case; anonymous cases need the receipt."""
        if not text.strip() and not evidence:
            raise ValidationFailed("nothing to add", field="text")
        if len(text) > self.limits.description_max:
            raise ValidationFailed(f"the text is longer than {self.limits.description_max} characters",
                                   field="text")
        if tracking_no is None:
            tracking_no = (await self._case_by_receipt(receipt or "")).tracking_no
        else:
            tracking_no = (await self.status(tracking_no, receipt, sender_digest)).tracking_no
        async with self.database.unit_of_work() as repo:
            row = await repo.case_by_tracking_no(tracking_no, for_update=True)
            assert row is not None
            now = self.clock.now()
            if text.strip():
                await repo.add_note(row.id, CITIZEN, text.strip(), now)
            await repo.add_evidence(row.id, evidence, now)
            await self._audit(repo, row, CITIZEN, "information_added", None, None)
            await self._emit(repo, row.tracking_no, [InformationAdded(row.tracking_no, len(evidence))])
            return str(row.tracking_no)

    # -- staff -------------------------------------------------------------------------------------
    async def transition(self, tracking_no: str, target: str, actor: str, reason: str,
                         assignee: str | None = None, reviewer: str | None = None) -> str:
        async with self.database.unit_of_work() as repo:
            row = await repo.case_by_tracking_no(tracking_no, for_update=True)
            if row is None:
                raise CaseNotFound("no case with this tracking number", field="tracking_no")
            goal = check_transition(row.status, target, reason)
            extra: dict[str, Any] = {}
            now = self.clock.now()
            if goal == Status.CLOSED:
                extra["closed_at"] = now
            if goal == Status.ANSWERED:
                extra["answered_at"] = now  # a review's answer counts from its own date
            if goal == Status.REVIEW_REQUESTED:
                extra["review_by"] = self.sla.review_deadline(now)
            if assignee is not None:
                extra["assignee"] = assignee
            if reviewer is not None:
                extra["reviewer"] = reviewer
            await self._audit(repo, row, actor, "status_changed", goal.value, reason, **extra)
            await self._emit(repo, tracking_no, [StatusChanged(tracking_no, row.status, goal.value, actor)])
            return goal.value

    async def _audit(self, repo: Repository, row: Any, actor: str, action: str, to_status: str | None,
                     reason: str | None, **case_values: Any) -> None:
        """Append to the case's chain and move the head (and the status) in one compare-and-set."""
        await append_case_audit(repo, row, actor, action, to_status, reason, self.clock, **case_values)

    def _view(self, row: Any) -> CaseStatusView:
        locale_referral = row.referral_body if row.jurisdiction == Jurisdiction.REFERRAL else None
        return CaseStatusView(
            tracking_no=row.tracking_no, kind=row.kind, category=row.category, status=row.status,
            received_at=row.received_at, deadlines=row_deadlines(row), public_answer=row.public_answer,
            answered_at=row.answered_at, referral=locale_referral)

    def now(self) -> datetime:
        return self.clock.now()
