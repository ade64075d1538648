"""Public statistics (信息公开): what the organisation publishes about the cases of a period.

Only aggregates leave this module: counts by channel, kind, category and status; the on-time rate;
median hours to acknowledgement and to answer; satisfaction. No descriptions, targets, identities,
comments or tracking numbers are read.

Small cells are suppressed so no one can be singled out: a count from 1 to k-1 is published as
suppressed (zero reveals no one and stays), and when a table would show exactly one suppressed cell
beside its published total, the next smallest cell is suppressed too, otherwise the total would give
the hidden value away. A rate, mean or median computed from fewer than k cases is suppressed.
"""

from __future__ import annotations

import statistics as stats
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select

from intake_core.errors import ValidationFailed
from intake_core.ports import Clock
from intake_core.storage.database import Database
from intake_core.storage.tables import cases, outbound_messages, ratings

SCORES = ("1", "2", "3", "4", "5")


@dataclass(frozen=True, slots=True)
class Cell:
    """One published figure: `value` is None exactly when it is suppressed (or, for a rate, undefined)."""

    value: float | int | None
    suppressed: bool = False


@dataclass(frozen=True, slots=True)
class CountRow:
    key: str
    count: int | None
    suppressed: bool = False


@dataclass(frozen=True, slots=True)
class Timeliness:
    answered: Cell
    on_time_rate: Cell  # answered by the effective deadline (extended when approved) / answered
    acknowledged: Cell
    median_hours_to_acknowledgement: Cell
    median_hours_to_answer: Cell


@dataclass(frozen=True, slots=True)
class Satisfaction:
    ratings: Cell
    mean_score: Cell
    distribution: tuple[CountRow, ...]  # scores "1" to "5"


@dataclass(frozen=True, slots=True)
class StatsReport:
    start: date
    end: date
    timezone: str
    min_cell: int
    generated_at: datetime
    total: Cell
    by_channel: tuple[CountRow, ...]
    by_kind: tuple[CountRow, ...]
    by_category: tuple[CountRow, ...]
    by_status: tuple[CountRow, ...]
    timeliness: Timeliness
    satisfaction: Satisfaction


class PublicStatistics:
    def __init__(self, database: Database, clock: Clock, min_cell: int = 5,
                 timezone: ZoneInfo | None = None) -> None:
        if min_cell < 1:
            raise ValueError("min_cell must be at least 1")
        self.database = database
        self.clock = clock
        self.min_cell = min_cell
        self.timezone = timezone or ZoneInfo("Asia/Shanghai")

    def default_period(self, days: int = 30) -> tuple[date, date]:
        """The last `days` days up to today, in the organisation's timezone."""
        today = self.clock.now().astimezone(self.timezone).date()
        return today - timedelta(days=days - 1), today

    async def report(self, start: date, end: date, tz: ZoneInfo | None = None) -> StatsReport:
        """Cases received from the start of `start` to the end of `end` (local days in `tz`)."""
        if end < start:
            raise ValidationFailed("the period ends before it starts", field="to")
        zone = tz or self.timezone
        since = datetime.combine(start, time(0), zone).astimezone(UTC)
        until = datetime.combine(end + timedelta(days=1), time(0), zone).astimezone(UTC)
        in_period = and_(cases.c.received_at >= since, cases.c.received_at < until)
        async with self.database.connect() as connection:
            grouped = {}
            for name, column in (("channel", cases.c.channel), ("kind", cases.c.kind),
                                 ("category", cases.c.category), ("status", cases.c.status)):
                rows = await connection.execute(
                    select(column, func.count()).where(in_period).group_by(column).order_by(column))
                grouped[name] = {str(key): int(count) for key, count in rows}
            first_message = (select(outbound_messages.c.tracking_no,
                                    func.min(outbound_messages.c.created_at).label("first_at"))
                             .group_by(outbound_messages.c.tracking_no).subquery())
            timing = (await connection.execute(
                select(cases.c.received_at, cases.c.answered_at, cases.c.answer_by, cases.c.answer_extended_by,
                       first_message.c.first_at)
                .select_from(cases.outerjoin(first_message, first_message.c.tracking_no == cases.c.tracking_no))
                .where(in_period))).all()
            scores = {int(score): int(count) for score, count in await connection.execute(
                select(ratings.c.score, func.count()).select_from(ratings.join(cases, ratings.c.case_id == cases.c.id))
                .where(in_period).group_by(ratings.c.score))}
        total = sum(grouped["channel"].values())
        return StatsReport(
            start=start, end=end, timezone=zone.key, min_cell=self.min_cell, generated_at=self.clock.now(),
            total=self._count(total), by_channel=self._table(grouped["channel"].items(), total),
            by_kind=self._table(grouped["kind"].items(), total),
            by_category=self._table(grouped["category"].items(), total),
            by_status=self._table(grouped["status"].items(), total),
            timeliness=self._timeliness(timing), satisfaction=self._satisfaction(scores))

    # -- suppression -----------------------------------------------------------------------------
    def _hidden(self, count: int) -> bool:
        return 0 < count < self.min_cell

    def _count(self, count: int) -> Cell:
        return Cell(None, True) if self._hidden(count) else Cell(count)

    def _table(self, items: Iterable[tuple[str, int]], total: int) -> tuple[CountRow, ...]:
        counts = list(items)
        hidden = {key for key, count in counts if self._hidden(count)}
        if len(hidden) == 1 and not self._hidden(total):
            # Secondary suppression: total minus the published cells would reveal the single hidden one.
            visible = sorted((count, key) for key, count in counts if key not in hidden and count > 0)
            if visible:
                hidden.add(visible[0][1])
        return tuple(CountRow(key, None, True) if key in hidden else CountRow(key, count) for key, count in counts)

    def _measure(self, values: Sequence[float], basis: int) -> Cell:
        """A rate or median over `basis` cases: suppressed below k, undefined (None) without any case."""
        if basis == 0:
            return Cell(None)
        if basis < self.min_cell:
            return Cell(None, True)
        return Cell(round(stats.median(values), 1))

    # -- sections --------------------------------------------------------------------------------
    def _timeliness(self, rows: Sequence[Any]) -> Timeliness:
        answer_hours: list[float] = []
        ack_hours: list[float] = []
        on_time = 0
        for row in rows:
            received: datetime = row.received_at
            answered: datetime | None = row.answered_at
            first_at: datetime | None = row.first_at
            if first_at is not None:
                ack_hours.append(_hours(first_at - received))
            if answered is not None:
                answer_hours.append(_hours(answered - received))
                due: datetime = row.answer_extended_by or row.answer_by
                on_time += answered <= due
        answered_count = len(answer_hours)
        if answered_count == 0:
            rate = Cell(None)
        elif answered_count < self.min_cell:
            rate = Cell(None, True)
        else:
            rate = Cell(round(on_time / answered_count, 3))
        return Timeliness(
            answered=self._count(answered_count), on_time_rate=rate, acknowledged=self._count(len(ack_hours)),
            median_hours_to_acknowledgement=self._measure(ack_hours, len(ack_hours)),
            median_hours_to_answer=self._measure(answer_hours, answered_count))

    def _satisfaction(self, scores: dict[int, int]) -> Satisfaction:
        count = sum(scores.values())
        if count == 0:
            mean = Cell(None)
        elif count < self.min_cell:
            mean = Cell(None, True)
        else:
            mean = Cell(round(sum(score * n for score, n in scores.items()) / count, 2))
        distribution = self._table(((key, scores.get(int(key), 0)) for key in SCORES), count)
        return Satisfaction(ratings=self._count(count), mean_score=mean, distribution=distribution)


def _hours(delta: timedelta) -> float:
    return max(delta.total_seconds(), 0.0) / 3600
