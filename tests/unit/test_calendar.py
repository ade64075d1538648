"""Working days in China: holidays, make-up workdays (调休) and when a case starts counting."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from intake_core.calendar import WorkingCalendar

HOLIDAYS_YAML = Path(__file__).resolve().parents[2] / "config" / "holidays.yaml"
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar.from_yaml(HOLIDAYS_YAML)


def beijing(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BEIJING)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


def test_national_day_2025_holidays_and_make_up_days(calendar: WorkingCalendar) -> None:
    # State Council 2025: Oct 1-8 off; Sunday Sep 28 and Saturday Oct 11 are worked instead.
    assert not any(calendar.is_workday(d) for d in days(date(2025, 10, 1), date(2025, 10, 8)))
    assert calendar.is_workday(date(2025, 9, 28))
    assert calendar.is_workday(date(2025, 10, 11))
    assert not calendar.is_workday(date(2025, 9, 27))  # an ordinary Saturday stays off
    assert calendar.is_workday(date(2025, 10, 9))  # Thursday, first day back


def test_spring_festival_2026(calendar: WorkingCalendar) -> None:
    # From chinese_calendar: Feb 15-23 off; Saturdays Feb 14 and Feb 28 are make-up workdays.
    assert not any(calendar.is_workday(d) for d in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert calendar.is_workday(date(2026, 2, 14))
    assert calendar.is_workday(date(2026, 2, 28))
    assert calendar.is_workday(date(2026, 2, 24))


def test_friday_night_case_counts_from_monday(calendar: WorkingCalendar) -> None:
    # Friday 2025-11-14 23:00 Beijing, given in UTC (15:00Z): after hours, weekend, so Monday 11-17.
    assert calendar.counting_start(datetime(2025, 11, 14, 15, 0, tzinfo=UTC)) == date(2025, 11, 17)


def test_case_during_working_hours_counts_that_day(calendar: WorkingCalendar) -> None:
    # Friday 17:59 Beijing is still working time; 18:00 is already the end of the day.
    assert calendar.counting_start(beijing(2025, 11, 14, 17, 59)) == date(2025, 11, 14)
    assert calendar.counting_start(beijing(2025, 11, 14, 18, 0)) == date(2025, 11, 17)


def test_utc_date_differs_from_beijing_date(calendar: WorkingCalendar) -> None:
    # Sunday 2025-11-16 17:00Z is Monday 01:00 in Beijing: before hours on a workday, so Monday.
    assert calendar.counting_start(datetime(2025, 11, 16, 17, 0, tzinfo=UTC)) == date(2025, 11, 17)


def test_make_up_saturday_counts_that_day(calendar: WorkingCalendar) -> None:
    # Saturday 2025-10-11 is a make-up workday: 10:00 counts that day; 19:00 counts from Monday 10-13.
    assert calendar.counting_start(beijing(2025, 10, 11, 10, 0)) == date(2025, 10, 11)
    assert calendar.counting_start(beijing(2025, 10, 11, 19, 0)) == date(2025, 10, 13)


def test_case_during_national_day_counts_from_first_day_back(calendar: WorkingCalendar) -> None:
    assert calendar.counting_start(beijing(2025, 10, 3, 10, 0)) == date(2025, 10, 9)


def test_seven_working_days_across_national_day_2025(calendar: WorkingCalendar) -> None:
    # From Tue 09-30: Oct 9, 10, 11 (make-up Sat), 13, 14, 15, 16 -> Thursday 10-16.
    assert calendar.add_working_days(date(2025, 9, 30), 7) == date(2025, 10, 16)
    # From Fri 09-26: Sun 09-28 (make-up) is day 1, Mon 09-29 is day 2.
    assert calendar.add_working_days(date(2025, 9, 26), 2) == date(2025, 9, 29)
    assert calendar.add_working_days(date(2025, 9, 26), 0) == date(2025, 9, 26)


def test_working_days_across_spring_festival_2026(calendar: WorkingCalendar) -> None:
    # From Fri 02-13: Sat 02-14 (make-up) is day 1, then Tue 02-24, Wed 02-25.
    assert calendar.add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)


def test_end_of_working_day_is_aware_in_beijing(calendar: WorkingCalendar) -> None:
    end = calendar.end_of_working_day(date(2025, 10, 9))
    assert end == datetime(2025, 10, 9, 10, 0, tzinfo=UTC)  # 18:00 Beijing = 10:00 UTC
    assert end.tzinfo == BEIJING


def test_2027_comes_from_yaml(calendar: WorkingCalendar, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert not calendar.is_workday(date(2027, 2, 8))  # Monday in Spring Festival
        assert not calendar.is_workday(date(2027, 10, 4))  # Monday in National Day
        assert not calendar.is_workday(date(2027, 4, 5))  # Qingming, a Monday
        assert calendar.is_workday(date(2027, 10, 8))  # Friday after National Day
        assert calendar.is_workday(date(2027, 1, 4))  # ordinary Monday
    # The provisional schedule is flagged, once.
    assert [r.getMessage() for r in caplog.records] == [
        "using the provisional holiday schedule for 2027 from holidays.yaml"
    ]
    # From Thu 2027-09-30: Oct 8, 11, 12, 13, 14, 15, 18 -> Monday 10-18.
    assert calendar.add_working_days(date(2027, 9, 30), 7) == date(2027, 10, 18)


def test_unknown_year_falls_back_to_weekdays_and_warns_once(
    calendar: WorkingCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert calendar.is_workday(date(2030, 10, 1))  # a Tuesday; no data, so a workday
        assert not calendar.is_workday(date(2030, 10, 5))  # Saturday
    assert [r.getMessage() for r in caplog.records] == [
        "no holiday data for 2030: treating Mon-Fri as workdays"
    ]


def test_package_years_win_over_yaml(tmp_path: Path) -> None:
    # A stale YAML entry must not override the official data chinese_calendar ships.
    path = tmp_path / "holidays.yaml"
    path.write_text("years:\n  2025:\n    holidays: [2025-10-09]\n", encoding="utf-8")
    assert WorkingCalendar.from_yaml(path).is_workday(date(2025, 10, 9))


@pytest.mark.parametrize("body", [
    "years:\n  2027:\n    workdays: [2027-02-03]\n",  # a Wednesday cannot be a make-up day
    "years:\n  2027:\n    holidays: [2028-01-01]\n",  # wrong year
    "years:\n  2027:\n    holidays: [[2027-10-07, 2027-10-01]]\n",  # reversed range
])
def test_bad_holiday_yaml_is_refused(tmp_path: Path, body: str) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError):
        WorkingCalendar.from_yaml(path)


def test_naive_datetime_is_refused(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.counting_start(datetime(2025, 11, 14, 10, 0))
