"""The path of one citizen message: dedupe, lock, transcript, dialogue, and what the turn asks for."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, Protocol

from intake_core.codes import format_receipt
from intake_core.crypto import IdentitySealer
from intake_core.desk import AgentDesk
from intake_core.errors import (
    CaseNotFound,
    IntakeError,
    ReceiptLocked,
    ReceiptRejected,
    ReceiptRequired,
    ReviewNotAllowed,
    StorageUnavailable,
)
from intake_core.events import HandoffRequested
from intake_core.messages import InboundMessage, InformationAddition, Reply, StatusQuery, Turn
from intake_core.model import EvidenceItem, IntakeDraft, ReporterIdentity
from intake_core.ports import Clock, ConversationLocks, Dialogue
from intake_core.review import ReviewService
from intake_core.satisfaction import AWAITING_RATING, parse_rating, record_rating
from intake_core.service import IntakeService
from intake_core.storage.conversation_repository import ConversationRecord
from intake_core.storage.database import Database
from intake_core.texts import Texts
from intake_core.views import Registration

log = logging.getLogger(__name__)

PENDING_EVIDENCE = "_evidence"  # attachments received before the draft is complete
BOT = "bot"
CITIZEN = "citizen"
MAX_READ_TURNS = 14  # more than the form has questions: a reading that does not advance stops anyway


class MessageReader(Protocol):
    """Reads one long message (an email) as the answers to the form's questions, one dialogue turn each.

    The form's own order decides what is asked; the reader cuts out of the message the part that
    answers each question, or says the message does not answer it and the citizen has to be asked.
    """

    def opening(self, active_form: str | None, requested_slot: str | None) -> str:
        """What the first turn feeds the dialogue, given the form and question waiting when it arrived."""
        ...

    def answer(self, slot: str) -> str | None:
        """The next candidate answer for `slot` (a later call for the same slot: the previous one was
        refused), or None when the message has nothing (more) for it."""
        ...


@dataclass(slots=True)
class Reception:
    replies: list[Reply] = field(default_factory=list)
    replayed: bool = False
    held_by_agent: bool = False
    tracking_no: str | None = None
    locale: str = "zh"
    missing: tuple[str, ...] = ()  # fields the running form still lacks (see Turn.missing)


@dataclass(frozen=True, slots=True)
class ConversationPolicy:
    idle_timeout: timedelta = timedelta(minutes=30)
    max_text_chars: int = 5000
    # Channels whose citizens answer slowly by nature (email) keep an unfinished form longer.
    channel_idle_timeouts: Mapping[str, timedelta] = field(default_factory=dict)

    def idle_timeout_of(self, channel: str) -> timedelta:
        return self.channel_idle_timeouts.get(channel, self.idle_timeout)


@dataclass(slots=True)
class _TurnOutcome:
    reception: Reception
    state: dict[str, Any]
    settled: bool  # the draft was registered or cancelled: pending evidence went with it or is dropped
    over: bool  # nothing more to read into this exchange (settled, handed over, or a case registered)


class ConversationService:
    def __init__(self, database: Database, intake: IntakeService, dialogue: Dialogue, locks: ConversationLocks,
                 texts: Texts, sealer: IdentitySealer, sender_secret: bytes, clock: Clock,
                 desk: AgentDesk, policy: ConversationPolicy | None = None,
                 review: ReviewService | None = None) -> None:
        self.database = database
        self.intake = intake
        self.dialogue = dialogue
        self.locks = locks
        self.texts = texts
        self.sealer = sealer
        self.sender_secret = sender_secret
        self.clock = clock
        self.desk = desk
        self.review = review or ReviewService(database, intake, clock)
        self.policy = policy or ConversationPolicy()

    def sender_digest(self, channel: str, sender_handle: str) -> str:
        return hmac.new(self.sender_secret, f"{channel}\x00{sender_handle}".encode(), hashlib.sha256).hexdigest()

    async def receive(self, message: InboundMessage, reader: MessageReader | None = None) -> Reception:
        """One citizen message. With a `reader`, the message is read as several answers (dialogue turns)
        under one lock, one transcript line and one idempotency key; the reception is that of the last turn."""
        async with self.locks.hold(message.conversation_key):
            stored = await self._store_inbound(message)
            if stored is None:  # a redelivery: answer as the first time, act never twice
                async with self.database.unit_of_work() as repo:
                    texts = await repo.conversations.replies_of_turn(message.idempotency_key)
                return Reception([Reply(t) for t in texts], replayed=True)
            record, notices = stored
            if record.held_by:
                return Reception(held_by_agent=True, locale=record.locale)
            rating = parse_rating(message.text) if _awaits_rating(record.state) else None
            if rating is not None:
                return await self._rate(message, record, *rating)
            return await self._converse(message, record, notices, reader)

    async def staff_messages(self, conversation_key: str, after_id: int) -> list[tuple[int, str, str]]:
        """(id, author kind, text) of staff and service messages after `after_id`: "staff" or "service"."""
        async with self.database.unit_of_work() as repo:
            rows = await repo.conversations.staff_lines_after(conversation_key, after_id)
        return [(int(r.id), "staff" if r.author.startswith("agent:") else "service", r.text) for r in rows]

    async def _store_inbound(self, message: InboundMessage) -> tuple[ConversationRecord, list[Reply]] | None:
        """Make the message durable before anything answers it."""
        now = self.clock.now()
        notices: list[Reply] = []
        async with self.database.unit_of_work() as repo:
            if not await repo.conversations.claim_inbound(message.idempotency_key, message.conversation_key, now):
                return None
            record = await repo.conversations.get(message.conversation_key, for_update=True)
            if record is None:
                record = ConversationRecord(
                    key=message.conversation_key, channel=message.channel, locale=message.locale or "zh",
                    state={}, held_by=None, sender_digest=self.sender_digest(message.channel, message.sender_handle),
                    contact_route=self.sealer.seal(ReporterIdentity(), self._route(message)), updated_at=now)
                await repo.conversations.create(record, now)
            elif record.held_by and await self.desk.resume_if_idle(repo, record.key, record.agent_active_at):
                record.held_by = None
                notices.append(Reply(self.texts.get(record.locale, "takeover_idle")))
            elif record.state and now - record.updated_at > self.policy.idle_timeout_of(record.channel):
                awaiting = record.state.get(AWAITING_RATING)  # a rating is welcome whenever it comes
                if set(record.state) - {AWAITING_RATING}:
                    notices.append(Reply(self.texts.get(record.locale, "conversation_expired")))
                record.state = {AWAITING_RATING: awaiting} if awaiting else {}
            await repo.conversations.append(message.conversation_key, "in", CITIZEN, message.text,
                                            message.idempotency_key, now)
        return record, notices

    async def _rate(self, message: InboundMessage, record: ConversationRecord, score: int,
                    comment: str | None) -> Reception:
        now = self.clock.now()
        state = {k: v for k, v in record.state.items() if k != AWAITING_RATING}
        reply = Reply(self.texts.get(record.locale, "satisfaction_thanks", score=score))
        async with self.database.unit_of_work() as repo:
            case = await repo.case_by_tracking_no(record.state[AWAITING_RATING], for_update=True)
            if case is not None:
                await record_rating(repo, case, score, comment, self.clock)
            await repo.conversations.save(message.conversation_key, now, state=state)
            await repo.conversations.append(message.conversation_key, "out", BOT, reply.text,
                                            message.idempotency_key, now)
        return Reception(replies=[reply], locale=record.locale)

    async def _converse(self, message: InboundMessage, record: ConversationRecord, notices: list[Reply],
                        reader: MessageReader | None) -> Reception:
        state = dict(record.state)
        pending = list(state.pop(PENDING_EVIDENCE, []))
        pending.extend(_evidence_to_state(message.attachments))
        locale = message.locale or record.locale
        if reader is None:
            text = message.text
        else:
            asked = state.get("requested_slot")
            text = reader.opening(_active_form(state), asked if isinstance(asked, str) else None)
        for step in range(MAX_READ_TURNS):
            fed = message if reader is None else replace(
                message, text=text, idempotency_key=f"{message.idempotency_key}:{step}",
                attachments=message.attachments if step == 0 else ())
            outcome = await self._turn(fed, state, locale, pending, list(notices))
            reception, state, locale = outcome.reception, outcome.state, outcome.reception.locale
            slot = state.get("requested_slot") if _active_form(state) else None
            if reader is None or outcome.over or not isinstance(slot, str):
                break
            following = reader.answer(slot)
            if following is None:
                break  # the message does not say: the reply asks the citizen
            text = following
        if pending and not outcome.settled:
            state[PENDING_EVIDENCE] = pending
        now = self.clock.now()
        async with self.database.unit_of_work() as repo:
            await repo.conversations.save(message.conversation_key, now, state=state, locale=locale)
            for reply in reception.replies:
                await repo.conversations.append(message.conversation_key, "out", BOT, reply.text,
                                                message.idempotency_key, now, reception.tracking_no)
        return reception

    async def _turn(self, message: InboundMessage, state: dict[str, Any], locale: str,
                    pending: list[dict[str, Any]], notices: list[Reply]) -> _TurnOutcome:
        """One dialogue turn and what it asks the core to do; nothing of the conversation is saved yet."""
        text = message.text
        if len(text) > self.policy.max_text_chars:
            text = text[: self.policy.max_text_chars]
            notices.append(Reply(self.texts.get(locale, "message_clipped", limit=self.policy.max_text_chars)))
        clipped = replace(message, text=text, locale=locale)
        turn = await self.dialogue.handle(clipped, state)
        reception = Reception(replies=[*notices, *turn.replies], locale=turn.locale, missing=turn.missing)
        await self._act(turn, message, reception, pending)
        settled = turn.draft is not None or turn.cancelled
        over = settled or turn.handoff_requested or reception.tracking_no is not None
        return _TurnOutcome(reception, dict(turn.state), settled, over)

    async def _act(self, turn: Turn, message: InboundMessage, reception: Reception,
                   pending: list[dict[str, Any]]) -> None:
        locale = turn.locale
        try:
            if turn.draft is not None:
                await self._register(turn.draft, message, reception, pending)
            if turn.status_query is not None:
                reception.replies.extend(await self._status(turn.status_query, message, locale))
            if turn.addition is not None:
                await self._add(turn.addition, message, reception, pending)
            if turn.review_request is not None:
                await self._ask_review(turn.review_request, message, reception)
            if turn.handoff_requested:
                await self._hand_off(message)
                ahead, minutes = await self.desk.live_wait(message.conversation_key)
                reception.replies.append(Reply(self.texts.get(locale, "handoff_queued", ahead=ahead, minutes=minutes)))
        except StorageUnavailable:
            raise
        except IntakeError as error:
            reception.replies.append(Reply(self._refusal(locale, error)))

    async def _register(self, draft: IntakeDraft, message: InboundMessage, reception: Reception,
                        pending: list[dict[str, Any]]) -> None:
        draft.channel = message.channel
        draft.conversation_key = message.conversation_key
        draft.contact_route = self._route(message)
        draft.sender_digest = self.sender_digest(message.channel, message.sender_handle)
        draft.evidence = [*draft.evidence, *_evidence_from_state(pending)]
        pending.clear()
        registration = await self.intake.submit(draft, idempotency_key=f"turn:{message.idempotency_key}")
        reception.tracking_no = registration.tracking_no
        reception.replies.extend(self.registration_replies(registration, draft.kind.value, draft.locale))

    def registration_replies(self, registration: Registration, kind: str, locale: str) -> list[Reply]:
        texts = self.texts
        if registration.referral:
            replies = [Reply(texts.get(locale, "referral", referral=registration.referral,
                                       tracking_no=registration.tracking_no))]
        else:
            replies = [Reply(texts.get(locale, "case_registered", kind=texts.get(locale, f"kind_{kind}"),
                                       tracking_no=registration.tracking_no,
                                       acknowledge_by=registration.acknowledge_by,
                                       answer_by=registration.answer_by))]
        if registration.priority == "P1":
            replies.append(Reply(texts.get(locale, "escalated")))
        if registration.cluster_size > 1:
            replies.append(Reply(texts.get(locale, "cluster")))
        if registration.receipt:
            replies.append(Reply(texts.get(locale, "receipt_once", receipt=format_receipt(registration.receipt))))
        return replies

    async def _status(self, query: StatusQuery, message: InboundMessage, locale: str) -> list[Reply]:
        if query.tracking_no:
            view = await self.intake.status(query.tracking_no, query.receipt,
                                            self.sender_digest(message.channel, message.sender_handle))
        else:
            view = await self.intake.status_by_receipt(query.receipt or "")
        deadline = view.deadlines.answer_extended_by or view.deadlines.answer_by
        replies = [Reply(self.texts.get(locale, "status", tracking_no=view.tracking_no,
                                        status=self.texts.status_name(locale, view.status), answer_by=deadline))]
        if view.public_answer:
            replies.append(Reply(self.texts.get(locale, "public_answer", answer=view.public_answer)))
        replies += [Reply(self.texts.get(locale, "staff_message", text=text)) for text in view.waiting_messages]
        return replies

    async def _add(self, addition: InformationAddition, message: InboundMessage, reception: Reception,
                   pending: list[dict[str, Any]]) -> None:
        evidence = [*addition.evidence, *_evidence_from_state(pending)]
        pending.clear()
        number = await self.intake.add_information(
            addition.text, evidence, tracking_no=addition.tracking_no, receipt=addition.receipt,
            sender_digest=self.sender_digest(message.channel, message.sender_handle))
        reception.replies.append(Reply(self.texts.get(reception.locale, "information_added", tracking_no=number)))

    async def _ask_review(self, request: InformationAddition, message: InboundMessage, reception: Reception) -> None:
        number, review_by = await self.review.request(
            request.text, tracking_no=request.tracking_no, receipt=request.receipt,
            sender_digest=self.sender_digest(message.channel, message.sender_handle))
        reception.replies.append(Reply(self.texts.get(reception.locale, "review_requested", tracking_no=number,
                                                      review_by=review_by)))

    async def _hand_off(self, message: InboundMessage) -> None:
        event = HandoffRequested(message.conversation_key, message.channel)
        async with self.database.unit_of_work() as repo:
            await repo.add_outbox([(event.topic, None, event.payload())], self.clock.now())

    def _refusal(self, locale: str, error: IntakeError) -> str:
        key = {CaseNotFound: "case_not_found", ReceiptRequired: "receipt_needed",
               ReceiptLocked: "receipt_locked", ReceiptRejected: "receipt_rejected",
               ReviewNotAllowed: "review_not_allowed"}.get(type(error))
        if key is None:
            return self.texts.get(locale, "invalid_submission", detail=error.detail)
        return self.texts.get(locale, key)

    @staticmethod
    def _route(message: InboundMessage) -> str:
        return f"{message.channel}:{message.sender_handle}"


def _evidence_to_state(items: tuple[EvidenceItem, ...]) -> list[dict[str, Any]]:
    return [{"name": i.name, "media_type": i.media_type, "size": i.size, "sha256": i.sha256,
             "stored_path": i.stored_path} for i in items]


def _evidence_from_state(items: list[dict[str, Any]]) -> list[EvidenceItem]:
    return [EvidenceItem(**item) for item in items]


def _active_form(state: Mapping[str, Any]) -> str | None:
    form = state.get("active_form")
    return form if isinstance(form, str) else None


def _awaits_rating(state: Mapping[str, Any]) -> bool:
    """Asked for a rating, and not in the middle of a form (where "3" answers the form)."""
    return bool(state.get(AWAITING_RATING)) and not state.get("active_form")
