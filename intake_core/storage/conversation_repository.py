"""Conversations, their transcript and the inbound-message ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake_core.storage.inserts import insert_skipping_duplicates
from intake_core.storage.tables import conversations, inbound_keys, transcript


@dataclass(slots=True)
class ConversationRecord:
    key: str
    channel: str
    locale: str
    state: dict[str, Any]
    held_by: str | None
    sender_digest: str
    contact_route: bytes | None
    updated_at: datetime
    agent_active_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    direction: str
    author: str
    text: str
    at: datetime


class ConversationRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def claim_inbound(self, key: str, conversation_key: str, at: datetime) -> bool:
        """True the first time a channel message id is seen; False for every redelivery."""
        statement = insert_skipping_duplicates(self.connection, inbound_keys, ["key"])
        outcome = await self.connection.execute(statement, {"key": key, "conversation_key": conversation_key,
                                                            "received_at": at})
        return outcome.rowcount == 1

    async def get(self, key: str, for_update: bool = False) -> ConversationRecord | None:
        query = select(conversations).where(conversations.c.key == key)
        row = (await self.connection.execute(query.with_for_update() if for_update else query)).first()
        if row is None:
            return None
        return ConversationRecord(row.key, row.channel, row.locale, dict(row.state), row.held_by,
                                  row.sender_digest, row.contact_route, row.updated_at, row.agent_active_at)

    async def create(self, record: ConversationRecord, at: datetime) -> None:
        await self.connection.execute(insert_skipping_duplicates(self.connection, conversations, ["key"]), {
            "key": record.key, "channel": record.channel, "locale": record.locale, "state": record.state,
            "held_by": record.held_by, "sender_digest": record.sender_digest, "contact_route": record.contact_route,
            "started_at": at, "updated_at": at})

    async def save(self, key: str, at: datetime, **values: Any) -> None:
        await self.connection.execute(
            update(conversations).where(conversations.c.key == key).values(updated_at=at, **values))

    async def append(self, conversation_key: str, direction: str, author: str, text: str, turn_key: str,
                     at: datetime, tracking_no: str | None = None) -> None:
        await self.connection.execute(transcript.insert(), {
            "conversation_key": conversation_key, "direction": direction, "author": author, "text": text,
            "turn_key": turn_key, "at": at, "case_tracking_no": tracking_no})

    async def replies_of_turn(self, turn_key: str) -> list[str]:
        rows = await self.connection.execute(
            select(transcript.c.text).where(transcript.c.turn_key == turn_key, transcript.c.direction == "out")
            .order_by(transcript.c.id))
        return [r.text for r in rows]

    async def lines(self, conversation_key: str, limit: int = 500) -> list[TranscriptLine]:
        rows = await self.connection.execute(
            select(transcript).where(transcript.c.conversation_key == conversation_key)
            .order_by(transcript.c.id).limit(limit))
        return [TranscriptLine(r.direction, r.author, r.text, r.at) for r in rows]

    async def staff_lines_after(self, conversation_key: str, after_id: int, limit: int = 100) -> list[Row[Any]]:
        """Messages to the citizen written by staff or by the service (not the bot's turn replies),
        for channels that pick them up by polling."""
        rows = await self.connection.execute(
            select(transcript.c.id, transcript.c.author, transcript.c.text, transcript.c.at)
            .where(transcript.c.conversation_key == conversation_key, transcript.c.direction == "out",
                   transcript.c.author != "bot", transcript.c.id > after_id)
            .order_by(transcript.c.id).limit(limit))
        return list(rows.all())
