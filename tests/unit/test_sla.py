"""Statutory deadlines from config/sla.yaml on the real working calendar."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from intake_core.calendar import WorkingCalendar
from intake_core.sla import SlaPolicy, read_calendar_settings

CONFIG = Path(__file__).resolve().parents[2] / "config"
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def policy() -> SlaPolicy:
    settings = read_calendar_settings(CONFIG / "sla.yaml")
    calendar = WorkingCalendar.from_yaml(
        CONFIG / "holidays.yaml",
        timezone=settings.timezone, work_start=settings.work_start, work_end=settings.work_end,
    )
    return SlaPolicy.from_yaml(CONFIG / "sla.yaml", calendar)


def test_profiles(policy: SlaPolicy) -> None:
    assert set(policy.profiles) == {"service", "formal"}


def test_service_answer_in_7_working_days_across_national_day(policy: SlaPolicy) -> None:
    # Received Fri 2025-09-26 10:00 Beijing (02:00Z), day 0. Working days after it: Sun 09-28
    # (make-up), 09-29, 09-30, [Oct 1-8 off], 10-09, 10-10, Sat 10-11 (make-up), Mon 10-13 = 7th.
    received = datetime(2025, 9, 26, 10, 0, tzinfo=BEIJING)
    d = policy.deadlines("service", received)
    assert d.acknowledge_by == datetime(2025, 9, 27, 2, 0, tzinfo=UTC)  # +24 h
    assert d.progress_notice_by == datetime(2025, 9, 28, 2, 0, tzinfo=UTC)  # +48 h
    assert d.answer_by == datetime(2025, 10, 13, 10, 0, tzinfo=UTC)  # 18:00 Beijing
    assert d.answer_extended_by is None
    assert d.review_by is None
    for moment in (d.acknowledge_by, d.progress_notice_by, d.answer_by):
        assert moment.utcoffset() == timedelta(0)


def test_friday_night_case_counts_from_monday(policy: SlaPolicy) -> None:
    # Fri 2025-11-14 23:00 Beijing -> day 0 is Mon 11-17; 7 working days: 18, 19, 20, 21, 24, 25, 26.
    d = policy.deadlines("service", datetime(2025, 11, 14, 15, 0, tzinfo=UTC))
    assert d.acknowledge_by == datetime(2025, 11, 15, 15, 0, tzinfo=UTC)  # hours run over the weekend
    assert d.answer_by == datetime(2025, 11, 26, 10, 0, tzinfo=UTC)


def test_formal_profile_with_extension(policy: SlaPolicy) -> None:
    # Received Tue 2025-09-02 10:00 Beijing, day 0. +30 days = Thu 10-02, a National Day holiday,
    # so the deadline moves to the first day back, Thu 10-09. The extension counts 30 days from
    # 10-09 = Sat 11-08, not a workday, so Mon 11-10. Both at 18:00 Beijing = 10:00Z.
    d = policy.deadlines("formal", datetime(2025, 9, 2, 10, 0, tzinfo=BEIJING))
    assert d.answer_by == datetime(2025, 10, 9, 10, 0, tzinfo=UTC)
    assert d.answer_extended_by == datetime(2025, 11, 10, 10, 0, tzinfo=UTC)
    assert policy.extension("formal", d.answer_by) == d.answer_extended_by
    assert policy.profile("formal").extension_approval == "supervisor"


def test_formal_deadline_on_an_ordinary_workday(policy: SlaPolicy) -> None:
    # Received Mon 2025-11-03 11:00 Beijing; +30 days = Wed 12-03, a workday.
    d = policy.deadlines("formal", datetime(2025, 11, 3, 11, 0, tzinfo=BEIJING))
    assert d.answer_by == datetime(2025, 12, 3, 10, 0, tzinfo=UTC)


def test_service_profile_has_no_extension(policy: SlaPolicy) -> None:
    assert policy.extension("service", datetime(2025, 10, 13, 10, 0, tzinfo=UTC)) is None


def test_review_deadline_15_working_days(policy: SlaPolicy) -> None:
    # Requested Tue 2025-09-30 15:00 Beijing, day 0. Working days: Oct 9, 10, 11 (make-up), 13-17,
    # 20-24, 27, 28 -> the 15th is Tue 10-28, 18:00 Beijing.
    requested = datetime(2025, 9, 30, 7, 0, tzinfo=UTC)
    assert policy.review_deadline(requested) == datetime(2025, 10, 28, 10, 0, tzinfo=UTC)


def test_unknown_profile_is_a_clear_error(policy: SlaPolicy) -> None:
    with pytest.raises(ValueError, match="unknown SLA profile 'urgent'; known profiles: service, formal"):
        policy.deadlines("urgent", datetime(2025, 9, 30, 7, 0, tzinfo=UTC))


def test_calendar_must_match_sla_yaml() -> None:
    calendar = WorkingCalendar(work_end=time(17, 30))
    with pytest.raises(ValueError, match="working hours"):
        SlaPolicy.from_yaml(CONFIG / "sla.yaml", calendar)


@pytest.mark.parametrize("answer", [
    "{working_days: 0}",
    "{weeks: 2}",
    "{hours: 24, working_days: 1}",
])
def test_bad_deadline_is_refused(tmp_path: Path, answer: str) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(
        "profiles:\n  service:\n    acknowledge: {hours: 24}\n    progress_notice: {hours: 48}\n"
        f"    answer: {answer}\nreview: {{working_days: 15}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="service.answer"):
        SlaPolicy.from_yaml(path, WorkingCalendar())
