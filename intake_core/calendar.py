"""Chinese working days: public holidays, make-up workdays (调休) and working hours.

Sources, in order: the `chinese_calendar` package (official State Council schedules it ships),
then years given in `config/holidays.yaml`, then plain Mon-Fri with a warning once per year.
The package wins over the YAML so that a provisional YAML year never shadows official data
once the package is upgraded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
import yaml

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_WORK_START = time(9, 0)
DEFAULT_WORK_END = time(18, 0)


@dataclass(frozen=True, slots=True)
class YearSchedule:
    """One year's holidays and make-up workdays; days in neither follow Mon-Fri."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    provisional: bool = False


class WorkingCalendar:
    def __init__(
        self,
        extra_years: Mapping[int, YearSchedule] | None = None,
        *,
        timezone: str = DEFAULT_TIMEZONE,
        work_start: time = DEFAULT_WORK_START,
        work_end: time = DEFAULT_WORK_END,
    ) -> None:
        if work_start >= work_end:
            raise ValueError("working hours: start must be before end")
        self.timezone = ZoneInfo(timezone)
        self.work_start = work_start
        self.work_end = work_end
        self._package_years: dict[int, bool] = {}
        self._warned_years: set[int] = set()
        self._extra_years: dict[int, YearSchedule] = {}
        for year, schedule in (extra_years or {}).items():
            if self._package_covers(year):
                log.warning("holidays.yaml year %d ignored: chinese_calendar covers it; remove it", year)
            else:
                self._extra_years[year] = schedule

    @classmethod
    def from_yaml(
        cls,
        path: str | Path,
        *,
        timezone: str = DEFAULT_TIMEZONE,
        work_start: time = DEFAULT_WORK_START,
        work_end: time = DEFAULT_WORK_END,
    ) -> WorkingCalendar:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        return cls(parse_years(data), timezone=timezone, work_start=work_start, work_end=work_end)

    def is_workday(self, d: date) -> bool:
        if self._package_covers(d.year):
            return bool(chinese_calendar.is_workday(d))
        schedule = self._extra_years.get(d.year)
        if schedule is None:
            self._warn_once(d.year, "no holiday data for %d: treating Mon-Fri as workdays")
            return d.weekday() < 5
        if schedule.provisional:
            self._warn_once(d.year, "using the provisional holiday schedule for %d from holidays.yaml")
        if d in schedule.workdays:
            return True
        return d not in schedule.holidays and d.weekday() < 5

    def next_workday(self, d: date) -> date:
        """The first working day strictly after `d`."""
        d += timedelta(days=1)
        while not self.is_workday(d):
            d += timedelta(days=1)
        return d

    def counting_start(self, received_at: datetime) -> date:
        """The working day a case is taken up: day 0 of its working-day deadlines.

        Received during working hours on a working day: that day. Received before the working day
        begins: that same day, because it is the next working period to start. Received after the
        end of working hours or on a non-working day: the next working day.
        """
        local = self._local(received_at)
        day = local.date()
        if self.is_workday(day) and local.time() < self.work_end:
            return day
        return self.next_workday(day)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start`; `start` itself is not counted (n=0 returns it)."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        for _ in range(n):
            day = self.next_workday(day)
        return day

    def end_of_working_day(self, d: date) -> datetime:
        return datetime.combine(d, self.work_end, tzinfo=self.timezone)

    def working_periods(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The parts of [start, end) that fall in working hours of working days, in order."""
        if end <= start:
            return
        day, last = self._local(start).date(), self._local(end).date()
        while day <= last:
            if self.is_workday(day):
                opens = max(datetime.combine(day, self.work_start, tzinfo=self.timezone), start)
                closes = min(datetime.combine(day, self.work_end, tzinfo=self.timezone), end)
                if opens < closes:
                    yield opens, closes
            day += timedelta(days=1)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        return sum((closes - opens for opens, closes in self.working_periods(start, end)), timedelta())

    def after_working_time(self, start: datetime, amount: timedelta, limit: datetime) -> datetime:
        """The moment `amount` of working time after `start` (no later than `limit`): reminders at a
        fraction of a deadline fall in working hours and skip holidays, as the deadline does."""
        left = amount
        for opens, closes in self.working_periods(start, limit):
            if closes - opens >= left:
                return opens + left
            left -= closes - opens
        return limit

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("datetime must be timezone-aware")
        return moment.astimezone(self.timezone)

    def _package_covers(self, year: int) -> bool:
        covered = self._package_years.get(year)
        if covered is None:
            try:
                chinese_calendar.is_workday(date(year, 1, 1))
                covered = True
            except NotImplementedError:
                covered = False
            self._package_years[year] = covered
        return covered

    def _warn_once(self, year: int, message: str) -> None:
        if year not in self._warned_years:
            self._warned_years.add(year)
            log.warning(message, year)


def parse_years(data: Mapping[str, Any]) -> dict[int, YearSchedule]:
    """Parse the `years:` mapping of holidays.yaml, rejecting entries that cannot be right."""
    years: dict[int, YearSchedule] = {}
    for key, entry in (data.get("years") or {}).items():
        year = int(key)
        entry = entry or {}
        holidays = frozenset(_expand(entry.get("holidays") or [], year))
        workdays = frozenset(_expand(entry.get("workdays") or [], year))
        if holidays & workdays:
            raise ValueError(f"holidays.yaml {year}: a date is both holiday and workday")
        if any(d.weekday() < 5 for d in workdays):
            raise ValueError(f"holidays.yaml {year}: make-up workdays must fall on a weekend")
        years[year] = YearSchedule(holidays, workdays, bool(entry.get("provisional", False)))
    return years


def _expand(items: Iterable[Any], year: int) -> Iterable[date]:
    """Yield the dates of single days and inclusive [first, last] ranges."""
    for item in items:
        first, last = (item, item) if not isinstance(item, list) else _pair(item, year)
        first, last = _as_date(first, year), _as_date(last, year)
        if first > last:
            raise ValueError(f"holidays.yaml {year}: range {first}..{last} is reversed")
        day = first
        while day <= last:
            yield day
            day += timedelta(days=1)


def _pair(item: list[Any], year: int) -> tuple[Any, Any]:
    if len(item) != 2:
        raise ValueError(f"holidays.yaml {year}: a range is [first, last]")
    return item[0], item[1]


def _as_date(value: Any, year: int) -> date:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"holidays.yaml {year}: {value!r} is not a date")
    if value.year != year:
        raise ValueError(f"holidays.yaml {year}: {value} is in another year")
    return value
