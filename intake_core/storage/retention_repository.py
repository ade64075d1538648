"""What retention reads and removes. Case rows stay (codes, dates, statuses: the statistics and the
audit head); everything that could identify or describe a person goes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake_core.storage.tables import (
    audit_log,
    case_notes,
    case_progress,
    cases,
    conversations,
    evidence,
    inbound_keys,
    outbound_messages,
    ratings,
    transcript,
)


class RetentionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def closed_before(self, statuses: Sequence[str], closed_before: datetime) -> Sequence[Row[Any]]:
        query = select(cases.c.id, cases.c.tracking_no, cases.c.category, cases.c.status, cases.c.closed_at).where(
            cases.c.status.in_(statuses), cases.c.closed_at.is_not(None), cases.c.closed_at < closed_before,
            cases.c.anonymised_at.is_(None))
        return (await self.connection.execute(query.order_by(cases.c.closed_at))).all()

    async def evidence_files(self, case_id: int) -> list[tuple[str, int]]:
        rows = await self.connection.execute(
            select(evidence.c.stored_path, evidence.c.size).where(evidence.c.case_id == case_id))
        return [(r.stored_path, int(r.size)) for r in rows]

    async def shared_with_other_cases(self, case_id: int, paths: Sequence[str]) -> set[str]:
        """Stored files evidence of other cases points to too: the store keeps one file per content."""
        if not paths:
            return set()
        rows = await self.connection.execute(
            select(evidence.c.stored_path).where(evidence.c.stored_path.in_(list(paths)),
                                                 evidence.c.case_id != case_id).distinct())
        return {r.stored_path for r in rows}

    async def remove_personal_data(self, case: Any, at: datetime) -> None:
        """Deletes what describes people and blanks the case's own personal fields. The caller appends
        the audit entry that records it (which moves the head on the case row)."""
        key = case.conversation_key
        await self.connection.execute(delete(evidence).where(evidence.c.case_id == case.id))
        await self.connection.execute(delete(case_notes).where(case_notes.c.case_id == case.id))
        await self.connection.execute(delete(case_progress).where(case_progress.c.case_id == case.id))
        await self.connection.execute(update(ratings).where(ratings.c.case_id == case.id).values(comment=None))
        await self.connection.execute(
            delete(outbound_messages).where(outbound_messages.c.tracking_no == case.tracking_no))
        if key:
            await self.connection.execute(delete(transcript).where(transcript.c.conversation_key == key))
            await self.connection.execute(delete(outbound_messages).where(outbound_messages.c.conversation_key == key))
            await self.connection.execute(delete(inbound_keys).where(inbound_keys.c.conversation_key == key))
            await self.connection.execute(delete(conversations).where(conversations.c.key == key))
        # Reasons staff wrote may name people; their digests stay, so the chain still verifies.
        await self.connection.execute(
            update(audit_log).where(audit_log.c.chain == case.tracking_no, audit_log.c.reason.is_not(None))
            .values(reason=None))

    @staticmethod
    def blanked_case_values(at: datetime) -> dict[str, Any]:
        return {"description": "", "target": None, "target_type": None, "target_canonical": None,
                "identity_sealed": None, "receipt_digest": None, "sender_digest": None, "conversation_key": None,
                "public_answer": None, "first_receiver": None, "anonymised_at": at}
