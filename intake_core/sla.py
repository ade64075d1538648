"""Statutory deadlines of a case, from named profiles in `config/sla.yaml`.

Counting rules (Chinese practice: the day a period starts is not counted, 开始的当日不计入):

- `hours`: elapsed clock hours from the moment the case was received, holidays included.
- `working_days`: day 0 is the calendar's counting start (the day received if it arrived during or
  before working hours of a working day, else the next working day). The deadline is the end of
  working hours of the N-th working day after day 0, so "7 working days" means seven working days
  counted from the day after acceptance.
- `calendar_days`: day 0 as above; the deadline is the end of working hours on day 0 + N. If that day
  is not a working day the deadline moves to the next working day, as a period ending on a public
  holiday ends on the first day after it.

An extension counts from the current answer deadline's date (day 0) with the same rules. Whether a
case may still be extended (once, with supervisor approval) is the service layer's decision; the
profile records only the length and who approves it. Every returned datetime is aware and in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

from intake_core.calendar import WorkingCalendar
from intake_core.model import Deadlines

UNITS = ("hours", "working_days", "calendar_days")


@dataclass(frozen=True, slots=True)
class Span:
    amount: int
    unit: str  # one of UNITS


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    acknowledge: Span
    progress_notice: Span
    answer: Span
    extension: Span | None = None
    extension_approval: str | None = None  # who must approve it, e.g. "supervisor"


@dataclass(frozen=True, slots=True)
class CalendarSettings:
    """The timezone and working hours in sla.yaml, for building the WorkingCalendar."""

    timezone: str
    work_start: time
    work_end: time


def read_calendar_settings(path: str | Path) -> CalendarSettings:
    return _calendar_settings(_load(path))


class SlaPolicy:
    def __init__(self, calendar: WorkingCalendar, profiles: Mapping[str, Profile], review: Span) -> None:
        if not profiles:
            raise ValueError("sla: at least one profile is required")
        self.calendar = calendar
        self._profiles = dict(profiles)
        self.review = review

    @classmethod
    def from_yaml(cls, path: str | Path, calendar: WorkingCalendar) -> SlaPolicy:
        return cls.from_mapping(_load(path), calendar)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], calendar: WorkingCalendar) -> SlaPolicy:
        settings = _calendar_settings(data)
        # Deadlines computed in another timezone or working day than the file states would be
        # silently wrong, so a mismatched calendar is refused.
        if (settings.timezone, settings.work_start, settings.work_end) != (
            calendar.timezone.key, calendar.work_start, calendar.work_end,
        ):
            raise ValueError("sla: the calendar's timezone or working hours differ from sla.yaml")
        profiles = {
            str(name): _profile(str(name), entry or {})
            for name, entry in (data.get("profiles") or {}).items()
        }
        return cls(calendar, profiles, _span(data.get("review"), "review"))

    @property
    def profiles(self) -> tuple[str, ...]:
        return tuple(self._profiles)

    def profile(self, name: str) -> Profile:
        try:
            return self._profiles[name]
        except KeyError:
            known = ", ".join(self._profiles)
            raise ValueError(f"unknown SLA profile {name!r}; known profiles: {known}") from None

    def deadlines(self, profile: str, received_at: datetime) -> Deadlines:
        chosen = self.profile(profile)
        answer_by = self._due(chosen.answer, received_at)
        return Deadlines(
            acknowledge_by=self._due(chosen.acknowledge, received_at),
            progress_notice_by=self._due(chosen.progress_notice, received_at),
            answer_by=answer_by,
            answer_extended_by=self.extension(profile, answer_by),
            review_by=None,
        )

    def review_deadline(self, requested_at: datetime) -> datetime:
        return self._due(self.review, requested_at)

    def extension(self, profile: str, current_answer_by: datetime) -> datetime | None:
        span = self.profile(profile).extension
        if span is None:
            return None
        if span.unit == "hours":
            return _utc(current_answer_by + timedelta(hours=span.amount))
        local_day = current_answer_by.astimezone(self.calendar.timezone).date()
        return self._after_days(span, local_day)

    def _due(self, span: Span, start: datetime) -> datetime:
        if span.unit == "hours":
            return _utc(start + timedelta(hours=span.amount))
        return self._after_days(span, self.calendar.counting_start(start))

    def _after_days(self, span: Span, day0: date) -> datetime:
        if span.unit == "working_days":
            day = self.calendar.add_working_days(day0, span.amount)
        else:
            day = day0 + timedelta(days=span.amount)
            if not self.calendar.is_workday(day):
                day = self.calendar.next_workday(day)
        return _utc(self.calendar.end_of_working_day(day))


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC)


def _load(path: str | Path) -> Mapping[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def _calendar_settings(data: Mapping[str, Any]) -> CalendarSettings:
    hours = data.get("working_hours") or {}
    return CalendarSettings(
        timezone=str(data.get("timezone") or "Asia/Shanghai"),
        work_start=_clock(hours.get("start", "09:00"), "working_hours.start"),
        work_end=_clock(hours.get("end", "18:00"), "working_hours.end"),
    )


def _clock(value: Any, where: str) -> time:
    # Unquoted 18:00 is the integer 1080 in YAML 1.1, so only quoted strings are accepted.
    if not isinstance(value, str):
        raise ValueError(f"sla {where}: give the time as a quoted string such as \"18:00\"")
    return time.fromisoformat(value)


def _profile(name: str, entry: Mapping[str, Any]) -> Profile:
    extension = entry.get("extension")
    approval = extension.get("approval") if isinstance(extension, Mapping) else None
    return Profile(
        name=name,
        acknowledge=_span(entry.get("acknowledge"), f"{name}.acknowledge"),
        progress_notice=_span(entry.get("progress_notice"), f"{name}.progress_notice"),
        answer=_span(entry.get("answer"), f"{name}.answer"),
        extension=_span(extension, f"{name}.extension") if extension else None,
        extension_approval=str(approval) if approval else None,
    )


def _span(entry: Any, where: str) -> Span:
    """Parse `{<unit>: <positive int>}`; an extension may also carry `approval`."""
    if not isinstance(entry, Mapping):
        raise ValueError(f"sla {where}: expected a mapping like {{working_days: 7}}")
    units = [key for key in entry if key in UNITS]
    unknown = [key for key in entry if key not in UNITS and key != "approval"]
    if len(units) != 1 or unknown:
        raise ValueError(f"sla {where}: give exactly one of {', '.join(UNITS)}")
    amount = entry[units[0]]
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValueError(f"sla {where}: {units[0]} must be a positive whole number")
    return Span(amount, units[0])
