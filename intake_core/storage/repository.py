"""Reads and writes of one unit of work. All statements run on the transaction's connection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from intake_core.audit import AuditEntry
from intake_core.model import EvidenceItem
from intake_core.storage.conversation_repository import ConversationRepository
from intake_core.storage.desk_repository import DeskRepository
from intake_core.storage.inserts import insert_skipping_duplicates
from intake_core.storage.tables import (
    audit_heads,
    audit_log,
    case_notes,
    cases,
    clusters,
    evidence,
    handoff_entries,
    idempotency_keys,
    outbox,
)

# Built once: statements compiled with parameters are cached by SQLAlchemy.
_INSERT_CASE = cases.insert().returning(cases.c.id)


class Repository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.conversations = ConversationRepository(connection)
        self.desk = DeskRepository(connection)
        self._insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert

    # -- idempotency ---------------------------------------------------------------------------
    async def remembered_result(self, key: str) -> dict[str, Any] | None:
        row = (await self.connection.execute(
            select(idempotency_keys.c.result).where(idempotency_keys.c.key == key))).first()
        return dict(row.result) if row else None

    async def remember_result(self, key: str, scope: str, result: dict[str, Any], at: datetime) -> bool:
        """False when another transaction already remembered this key."""
        statement = insert_skipping_duplicates(self.connection, idempotency_keys, ["key"])
        outcome = await self.connection.execute(statement, {"key": key, "scope": scope, "result": result,
                                                            "created_at": at})
        return outcome.rowcount == 1

    # -- clusters ------------------------------------------------------------------------------
    async def join_cluster(self, target_canonical: str, tracking_no: str, at: datetime) -> tuple[int, int]:
        """(cluster id, size) after this case joins the cluster of its canonical target."""
        new_cluster = self._insert(clusters).values(
            target_canonical=target_canonical, first_tracking_no=tracking_no, size=1, created_at=at)
        upsert = new_cluster.on_conflict_do_update(
            index_elements=["target_canonical"], set_={"size": clusters.c.size + 1},
        ).returning(clusters.c.id, clusters.c.size)
        row = (await self.connection.execute(upsert)).one()
        return int(row.id), int(row.size)

    # -- cases ---------------------------------------------------------------------------------
    async def insert_case(self, values: dict[str, Any]) -> int:
        new_id = await self.connection.scalar(_INSERT_CASE, values)
        assert new_id is not None
        return int(new_id)

    async def case_by_tracking_no(self, tracking_no: str, for_update: bool = False) -> Row[Any] | None:
        query = select(cases).where(cases.c.tracking_no == tracking_no)
        if for_update:
            query = query.with_for_update()
        return (await self.connection.execute(query)).first()

    async def case_by_receipt_digest(self, digest: str) -> Row[Any] | None:
        return (await self.connection.execute(select(cases).where(cases.c.receipt_digest == digest))).first()

    async def update_case(self, case_id: int, expected_status: str | None, **values: Any) -> bool:
        """Compare-and-set on the status, so two concurrent moves cannot both win."""
        statement = update(cases).where(cases.c.id == case_id).values(**values)
        if expected_status is not None:
            statement = statement.where(cases.c.status == expected_status)
        return (await self.connection.execute(statement)).rowcount == 1

    async def count_cases(self) -> int:
        return int(await self.connection.scalar(select(func.count()).select_from(cases)) or 0)

    async def all_case_heads(self) -> list[Row[Any]]:
        rows = await self.connection.execute(
            select(cases.c.tracking_no, cases.c.audit_position, cases.c.audit_head).order_by(cases.c.id))
        return list(rows)

    # -- evidence and notes --------------------------------------------------------------------
    async def add_evidence(self, case_id: int, items: Iterable[EvidenceItem], at: datetime) -> None:
        rows = [{"case_id": case_id, "name": i.name, "media_type": i.media_type, "size": i.size,
                 "sha256": i.sha256, "stored_path": i.stored_path, "added_at": at} for i in items]
        if rows:
            await self.connection.execute(evidence.insert(), rows)

    async def evidence_of(self, case_id: int) -> list[EvidenceItem]:
        rows = await self.connection.execute(
            select(evidence).where(evidence.c.case_id == case_id).order_by(evidence.c.id))
        return [EvidenceItem(r.name, r.media_type, r.size, r.sha256, r.stored_path) for r in rows]

    async def add_note(self, case_id: int, source: str, text: str, at: datetime) -> None:
        await self.connection.execute(case_notes.insert().values(
            case_id=case_id, source=source, text=text, added_at=at))

    # -- audit ---------------------------------------------------------------------------------
    async def append_audit(self, entry: AuditEntry) -> None:
        await self.connection.execute(audit_log.insert(), {
            "chain": entry.chain, "position": entry.position, "at": entry.at, "actor": entry.actor,
            "action": entry.action, "from_status": entry.from_status, "to_status": entry.to_status,
            "reason": entry.reason, "reason_digest": entry.reason_digest, "prev_hash": entry.prev_hash,
            "hash": entry.hash})

    async def audit_chain(self, chain: str) -> list[AuditEntry]:
        rows = await self.connection.execute(
            select(audit_log).where(audit_log.c.chain == chain).order_by(audit_log.c.position))
        return [AuditEntry(r.chain, r.position, r.at, r.actor, r.action, r.from_status, r.to_status,
                           r.reason, r.prev_hash, r.hash, r.reason_digest) for r in rows]

    async def system_head(self, chain: str, for_update: bool = True) -> tuple[int, str] | None:
        query = select(audit_heads).where(audit_heads.c.chain == chain)
        row = (await self.connection.execute(query.with_for_update() if for_update else query)).first()
        return (row.position, row.hash) if row else None

    async def set_system_head(self, chain: str, position: int, digest: str) -> None:
        statement = self._insert(audit_heads).values(chain=chain, position=position, hash=digest)
        await self.connection.execute(statement.on_conflict_do_update(
            index_elements=["chain"], set_={"position": position, "hash": digest}))

    async def system_chains(self) -> list[Row[Any]]:
        return list(await self.connection.execute(select(audit_heads)))

    # -- outbox --------------------------------------------------------------------------------
    async def add_outbox(self, rows: Sequence[tuple[str, str | None, dict[str, Any]]], at: datetime) -> None:
        """Rows of (topic, case reference, payload), kept in the given order."""
        await self.connection.execute(outbox.insert(), [
            {"topic": topic, "case_ref": ref, "payload": payload, "created_at": at, "attempts": 0}
            for topic, ref, payload in rows])

    async def unpublished(self, limit: int) -> Sequence[Row[Any]]:
        rows = await self.connection.execute(
            select(outbox).where(outbox.c.published_at.is_(None)).order_by(outbox.c.id).limit(limit))
        return rows.all()

    async def mark_published(self, outbox_ids: Sequence[int], at: datetime) -> None:
        await self.connection.execute(
            update(outbox).where(outbox.c.id.in_(outbox_ids)).values(published_at=at))

    async def prune_outbox(self, published_before: datetime, limit: int) -> int:
        """Deletes up to `limit` rows published before the time that no queue entry refers to any more."""
        queued = select(handoff_entries.c.outbox_id)
        # The newest row stays: SQLite hands out max(rowid) + 1, and a reused id would look already published.
        newest = select(func.max(outbox.c.id)).scalar_subquery()
        oldest = (select(outbox.c.id).where(outbox.c.published_at < published_before, outbox.c.id < newest,
                                            outbox.c.id.not_in(queued))
                  .order_by(outbox.c.id).limit(limit))
        result = await self.connection.execute(delete(outbox).where(outbox.c.id.in_(oldest)))
        return int(result.rowcount or 0)
