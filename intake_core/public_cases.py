"""A read model of cases for public interfaces (Open311): codes, dates and status, nothing personal.

The rows carry no description, target, identity, answer text or contact data; callers decide which
cases a client may see (anonymous cases answer only to their receipt)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from intake_core.lifecycle import OPEN
from intake_core.model import Jurisdiction
from intake_core.storage.database import Database
from intake_core.storage.tables import cases

OPEN_STATUSES = tuple(sorted(status.value for status in OPEN))


@dataclass(frozen=True, slots=True)
class PublicCase:
    tracking_no: str
    kind: str
    category: str
    status: str
    is_open: bool
    referred: bool  # outside our remit: the citizen was told where to turn
    referral_body: str | None
    channel: str
    anonymous: bool
    received_at: datetime
    updated_at: datetime
    answer_due: datetime  # the effective answer deadline (extended when approved)


_COLUMNS = (cases.c.tracking_no, cases.c.kind, cases.c.category, cases.c.status, cases.c.jurisdiction,
            cases.c.referral_body, cases.c.channel, cases.c.anonymous, cases.c.received_at, cases.c.updated_at,
            cases.c.answer_by, cases.c.answer_extended_by)


class PublicCaseIndex:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def by_numbers(self, tracking_numbers: Sequence[str]) -> list[PublicCase]:
        if not tracking_numbers:
            return []
        query = select(*_COLUMNS).where(cases.c.tracking_no.in_(list(tracking_numbers)))
        async with self.database.connect() as connection:
            rows = (await connection.execute(query.order_by(cases.c.received_at, cases.c.id))).all()
        return [_public(row) for row in rows]

    async def search(self, *, since: datetime, until: datetime, categories: Sequence[str] = (),
                     is_open: bool | None = None, channel: str | None = None, include_anonymous: bool = False,
                     limit: int = 1000) -> list[PublicCase]:
        """Cases received from `since` to `until` (both included), newest first."""
        query = select(*_COLUMNS).where(cases.c.received_at >= since, cases.c.received_at <= until)
        if categories:
            query = query.where(cases.c.category.in_(list(categories)))
        if is_open is not None:
            status_open = cases.c.status.in_(OPEN_STATUSES)
            query = query.where(status_open if is_open else ~status_open)
        if channel is not None:
            query = query.where(cases.c.channel == channel)
        if not include_anonymous:
            query = query.where(cases.c.anonymous.is_(False))
        query = query.order_by(cases.c.received_at.desc(), cases.c.id.desc()).limit(limit)
        async with self.database.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_public(row) for row in rows]


def _public(row: Any) -> PublicCase:
    return PublicCase(
        tracking_no=row.tracking_no, kind=row.kind, category=row.category, status=row.status,
        is_open=row.status in OPEN_STATUSES, referred=row.jurisdiction == Jurisdiction.REFERRAL.value,
        referral_body=row.referral_body, channel=row.channel, anonymous=bool(row.anonymous),
        received_at=row.received_at, updated_at=row.updated_at,
        answer_due=row.answer_extended_by or row.answer_by)
