"""The agent desk: what staff do with the queue. Claim, release, reply, hand back, change status.

Work items are materialized from handoff queue entries (`materialize`), once per entry. Claiming is one
conditional UPDATE, so two agents never hold the same item. Replies are written as outbound messages
in the same transaction as the transcript line or case note; the reply sender delivers them with retries.
A live conversation held by an agent who stays idle goes back to the bot with a message."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from intake_core.errors import CaseNotFound, IntakeError, WorkItemNotFound, WorkItemUnavailable
from intake_core.lifecycle import Status
from intake_core.ports import Clock
from intake_core.service import IntakeService
from intake_core.storage.database import Database
from intake_core.storage.desk_repository import CLAIMED, DONE, OPEN, PENDING, SENT, UNDELIVERABLE
from intake_core.storage.repository import Repository
from intake_core.texts import Texts

log = logging.getLogger(__name__)

TERMINAL = {Status.CLOSED.value, Status.ARCHIVED.value, Status.OUT_OF_SCOPE.value, Status.REFERRED.value}
LIVE, CASE = "live", "case"


@dataclass(frozen=True, slots=True)
class DeskPolicy:
    live_response: timedelta = timedelta(minutes=10)  # a live request's due time: it sorts near the top
    minutes_per_live_request: int = 5  # the wait a citizen is told, per conversation ahead of them
    takeover_idle: timedelta = timedelta(minutes=15)  # an agent silent this long gives the conversation back


@dataclass(frozen=True, slots=True)
class WorkItemView:
    """What an agent sees of an item: codes and times, never the reporter's identity or route."""

    id: int
    kind: str
    tracking_no: str | None
    conversation_key: str | None
    channel: str
    priority: str
    due_at: datetime
    state: str
    claimed_by: str | None
    created_at: datetime


class AgentDesk:
    def __init__(self, database: Database, intake: IntakeService, texts: Texts, clock: Clock,
                 policy: DeskPolicy | None = None) -> None:
        self.database = database
        self.intake = intake
        self.texts = texts
        self.clock = clock
        self.policy = policy or DeskPolicy()
        self.on_outbound: Callable[[], None] | None = None  # wakes the reply sender after a commit

    # -- from the queue ------------------------------------------------------------------------
    async def materialize(self, entry_id: str, payload: dict[str, Any]) -> bool:
        """Applies one queue entry; False when it was applied before or needs nothing."""
        event = payload.get("event")
        now = self.clock.now()
        async with self.database.unit_of_work() as repo:
            if event == "CaseRegistered":
                return await repo.desk.add_item(self._item(
                    entry_id, CASE, payload["channel"], payload["priority"],
                    datetime.fromisoformat(payload["answer_by"]), now, tracking_no=payload["tracking_no"]))
            if event == "HandoffRequested":
                if await repo.desk.open_live_item(payload["conversation_key"]) is not None:
                    return False  # asked twice while waiting: one place in the queue
                return await repo.desk.add_item(self._item(
                    entry_id, LIVE, payload["channel"], "P2", now + self.policy.live_response, now,
                    conversation_key=payload["conversation_key"]))
            if event == "StatusChanged" and payload.get("to_status") in TERMINAL:
                await repo.desk.finish_case_items(payload["tracking_no"], now)
                return True
            if event == "CaseEscalated":
                log.warning("P1 escalation of case %s: the supervisors are notified", payload["tracking_no"])
                return await repo.desk.add_notification({
                    "source_entry": entry_id, "audience": "supervisor", "kind": "escalation",
                    "tracking_no": payload["tracking_no"], "detail": dict(payload), "created_at": now})
        return False

    @staticmethod
    def _item(entry_id: str, kind: str, channel: str, priority: str, due_at: datetime, now: datetime,
              **refs: str) -> dict[str, Any]:
        return {"source_entry": entry_id, "kind": kind, "channel": channel, "priority": priority,
                "due_at": due_at, "state": OPEN, "created_at": now, "updated_at": now, **refs}

    # -- reading -------------------------------------------------------------------------------
    async def queue(self, states: tuple[str, ...] = (OPEN, CLAIMED), kind: str | None = None,
                    limit: int = 100) -> list[WorkItemView]:
        async with self.database.unit_of_work() as repo:
            return [_view(row) for row in await repo.desk.items(states, kind, limit)]

    async def item(self, item_id: int) -> WorkItemView:
        async with self.database.unit_of_work() as repo:
            return _view(await _existing(repo, item_id))

    async def transcript(self, item_id: int) -> list[dict[str, Any]]:
        async with self.database.unit_of_work() as repo:
            row = await _existing(repo, item_id)
            if not row.conversation_key:
                return []
            lines = await repo.conversations.lines(row.conversation_key)
        return [{"direction": line.direction, "author": line.author, "text": line.text, "at": line.at}
                for line in lines]

    async def live_wait(self, conversation_key: str) -> tuple[int, int]:
        """(conversations ahead, expected minutes) for a citizen who asked for a person."""
        async with self.database.unit_of_work() as repo:
            position = await repo.desk.live_position(conversation_key)
        ahead = position - 1
        return ahead, max(1, position * self.policy.minutes_per_live_request)

    # -- acting --------------------------------------------------------------------------------
    async def claim(self, item_id: int, agent: str) -> WorkItemView:
        now = self.clock.now()
        async with self.database.unit_of_work() as repo:
            row = await _existing(repo, item_id)
            if not await repo.desk.claim_item(item_id, agent, now):
                raise WorkItemUnavailable("another agent holds this item, or it is finished", field="item")
            if row.kind == LIVE:
                await repo.desk.hold(row.conversation_key, agent, now)
                await self._tell_conversation(repo, row.conversation_key, "agent_joined", "system", now)
        self.outbound_written()
        if row.kind == CASE:
            await self._assign(row.tracking_no, agent)
        return await self.item(item_id)

    async def _assign(self, tracking_no: str, agent: str) -> None:
        try:
            await self.intake.transition(tracking_no, Status.ASSIGNED.value, actor=agent,
                                         reason="claimed from the queue", assignee=agent)
        except IntakeError:
            pass  # already past registration (a reopened or reclaimed case): claiming changes nothing

    async def release(self, item_id: int, agent: str) -> WorkItemView:
        now = self.clock.now()
        async with self.database.unit_of_work() as repo:
            row = await self._held(repo, item_id, agent)
            await repo.desk.set_item_state(item_id, OPEN, now, holder=agent)
            if row.kind == LIVE:
                await repo.desk.hold(row.conversation_key, None, now)
                await self._tell_conversation(repo, row.conversation_key, "agent_released", "system", now)
        self.outbound_written()
        return await self.item(item_id)

    async def hand_back(self, item_id: int, agent: str) -> WorkItemView:
        now = self.clock.now()
        async with self.database.unit_of_work() as repo:
            row = await self._held(repo, item_id, agent)
            if row.kind != LIVE:
                raise WorkItemUnavailable("only live conversations go back to the bot", field="item")
            await repo.desk.set_item_state(item_id, DONE, now, holder=agent)
            await repo.desk.hold(row.conversation_key, None, now)
            await self._tell_conversation(repo, row.conversation_key, "bot_resumed", "system", now)
        self.outbound_written()
        return await self.item(item_id)

    async def reply(self, item_id: int, agent: str, text: str) -> int:
        """Queues a message to the citizen; its outbound message id."""
        now = self.clock.now()
        async with self.database.unit_of_work() as repo:
            row = await self._held(repo, item_id, agent)
            if row.kind == LIVE:
                await repo.desk.touch_hold(row.conversation_key, agent, now)
                message_id = await self._send_to_conversation(repo, row.conversation_key, text, f"agent:{agent}", now)
        if row.kind != LIVE:
            return await self.message_case(row.tracking_no, agent, text)
        self.outbound_written()
        return message_id

    async def message_case(self, tracking_no: str, agent: str, text: str) -> int:
        """A staff message about a registered case, through the channel it came from."""
        async with self.database.unit_of_work() as repo:
            case = await repo.case_by_tracking_no(tracking_no)
            if case is None:
                raise CaseNotFound("no case with this tracking number", field="tracking_no")
            message_id = await self.write_case_message(repo, case, f"agent:{agent}", text)
        self.outbound_written()
        return message_id

    async def write_case_message(self, repo: Repository, case: Any, author: str, text: str) -> int:
        """Inside the caller's unit of work: the note, the transcript line and the outbound message of a
        message to the citizen about `case` (staff or the service itself, e.g. statutory notices)."""
        now = self.clock.now()
        conversation = await repo.conversations.get(case.conversation_key) if case.conversation_key else None
        route = conversation.contact_route if conversation else case.identity_sealed
        await repo.add_note(case.id, author, text, now)
        if conversation is not None:
            await repo.conversations.append(conversation.key, "out", author, text,
                                            f"{author}:{case.tracking_no}:{now.isoformat()}", now, case.tracking_no)
        thread = await repo.desk.last_thread(case.conversation_key) if case.conversation_key else None
        return await repo.desk.add_outbound(self._outbound(
            case.channel, route, text, author, now, thread=thread, tracking_no=case.tracking_no,
            conversation_key=case.conversation_key))

    async def deliver_later(self, conversation_key: str, texts: list[str],
                            thread: Mapping[str, str] | None = None) -> None:
        """Bot replies the channel sends in the background (already in the transcript): the reply sender
        delivers them, with retries, beside the channel's other messages. `thread` is what the channel
        needs to keep the citizen's thread (an email's Message-ID, References, subject)."""
        now = self.clock.now()
        async with self.database.unit_of_work() as repo:
            conversation = await repo.conversations.get(conversation_key)
            if conversation is None:
                return
            for text in texts:
                await repo.desk.add_outbound(self._outbound(
                    conversation.channel, conversation.contact_route, text, "bot", now, thread=thread,
                    conversation_key=conversation_key))
        self.outbound_written()

    async def delivery_failed(self, message_id: int, channel: str, thread: Mapping[str, str], reason: str) -> bool:
        """A message counted as sent came back (an email bounce): it is undeliverable after all, the case
        records it, and the message waits for the citizen's next status query. Only a sent message of
        `channel` whose thread holds every item of `thread` matches, so a report cannot name just any
        message; False when none does."""
        async with self.database.unit_of_work() as repo:
            row = await repo.desk.outbound(message_id)
            stored = dict(row.thread or {}) if row is not None else {}
            if row is None or row.channel != channel or row.state != SENT or not thread or any(
                    stored.get(key) != value for key, value in thread.items()):
                return False
            await repo.desk.settle_outbound(message_id, state=UNDELIVERABLE, last_error=reason[:256])
        log.info("message %s came back undelivered", message_id)
        if row.tracking_no:
            try:
                await self.intake.note_undeliverable(row.tracking_no, reason)
            except CaseNotFound:
                pass  # removed by retention meanwhile
        return True

    async def change_status(self, tracking_no: str, agent: str, status: str, reason: str) -> str:
        reached = await self.intake.transition(tracking_no, status, actor=agent, reason=reason)
        if reached in TERMINAL:
            async with self.database.unit_of_work() as repo:
                await repo.desk.finish_case_items(tracking_no, self.clock.now())
        return reached

    async def resume_idle(self) -> int:
        """Gives conversations whose agent went silent back to the bot; how many."""
        now = self.clock.now()
        async with self.database.unit_of_work() as repo:
            rows = await repo.desk.idle_holds(now - self.policy.takeover_idle)
            for row in rows:
                await self._resume(repo, row.key, now)
        if rows:
            self.outbound_written()
        return len(rows)

    async def resume_if_idle(self, repo: Repository, conversation_key: str, agent_active_at: datetime | None) -> bool:
        """Inside the caller's unit of work: True when the agent's hold had lapsed and the bot takes over
        (the caller tells the citizen in its own reply)."""
        now = self.clock.now()
        if agent_active_at is not None and now - agent_active_at <= self.policy.takeover_idle:
            return False
        await self._resume(repo, conversation_key, now, notify=False)
        return True

    async def _resume(self, repo: Repository, conversation_key: str, now: datetime, notify: bool = True) -> None:
        item = await repo.desk.open_live_item(conversation_key)
        if item is not None:
            await repo.desk.set_item_state(item.id, DONE, now)
        await repo.desk.hold(conversation_key, None, now)
        if notify:
            await self._tell_conversation(repo, conversation_key, "takeover_idle", "system", now)

    # -- notifications -------------------------------------------------------------------------
    async def notifications(self, audiences: tuple[str, ...] = ("supervisor",),
                            unread_only: bool = True) -> list[dict[str, Any]]:
        """Notices for these audiences: "supervisor", or "user:<name>" for one member of staff."""
        async with self.database.unit_of_work() as repo:
            rows = await repo.desk.notifications_for(audiences, unread_only)
        return [{"id": r.id, "kind": r.kind, "tracking_no": r.tracking_no, "detail": r.detail,
                 "created_at": r.created_at, "read_at": r.read_at} for r in rows]

    async def mark_read(self, notification_id: int, reader: str) -> bool:
        async with self.database.unit_of_work() as repo:
            return await repo.desk.mark_read(notification_id, reader, self.clock.now())

    # -- helpers -------------------------------------------------------------------------------
    def outbound_written(self) -> None:
        """Wakes the reply sender; called after a commit that wrote outbound messages."""
        if self.on_outbound is not None:
            self.on_outbound()

    async def _held(self, repo: Repository, item_id: int, agent: str) -> Any:
        row = await _existing(repo, item_id, for_update=True)
        if row.state != CLAIMED or row.claimed_by != agent:
            raise WorkItemUnavailable("claim the item first; another agent may hold it", field="item")
        return row

    async def _tell_conversation(self, repo: Repository, conversation_key: str, text_key: str, author: str,
                                 now: datetime) -> None:
        conversation = await repo.conversations.get(conversation_key)
        if conversation is None:
            return
        await self._send_to_conversation(repo, conversation_key, self.texts.get(conversation.locale, text_key),
                                         author, now)

    async def _send_to_conversation(self, repo: Repository, conversation_key: str, text: str, author: str,
                                    now: datetime) -> int:
        conversation = await repo.conversations.get(conversation_key)
        if conversation is None:
            raise WorkItemNotFound("the conversation no longer exists", field="item")
        await repo.conversations.append(conversation_key, "out", author, text,
                                        f"{author}:{now.isoformat()}", now)
        thread = await repo.desk.last_thread(conversation_key)  # an email answer stays in the citizen's thread
        return await repo.desk.add_outbound(self._outbound(
            conversation.channel, conversation.contact_route, text, author, now, thread=thread,
            conversation_key=conversation_key))

    @staticmethod
    def _outbound(channel: str, route: bytes | None, text: str, author: str, now: datetime,
                  thread: Mapping[str, str] | None = None, **refs: str | None) -> dict[str, Any]:
        return {"channel": channel, "contact_route": route, "thread": dict(thread or {}), "author": author,
                "text": text, "state": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now, **refs}


async def _existing(repo: Repository, item_id: int, for_update: bool = False) -> Any:
    row = await repo.desk.item(item_id, for_update=for_update)
    if row is None:
        raise WorkItemNotFound("no such work item", field="item")
    return row


def _view(row: Any) -> WorkItemView:
    return WorkItemView(id=row.id, kind=row.kind, tracking_no=row.tracking_no, conversation_key=row.conversation_key,
                        channel=row.channel, priority=row.priority, due_at=row.due_at, state=row.state,
                        claimed_by=row.claimed_by, created_at=row.created_at)
