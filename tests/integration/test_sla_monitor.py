"""The SLA monitor with a controllable clock, across the 2026 National Day holiday (1-7 October)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from config.wiring import Container
from intake_core.model import IntakeDraft, Kind, TargetType
from intake_core.storage.tables import outbound_messages
from tests.support import FixedClock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def complaint() -> IntakeDraft:
    return IntakeDraft(kind=Kind.COMPLAINT, category="online_transaction", channel="web",
                       description="网店收款后不发货，也不退款", target="https://shop.example.cn/88",
                       target_type=TargetType.URL, occurred_at=datetime(2026, 9, 20, tzinfo=UTC), anonymous=True)


async def citizen_messages(container: Container) -> list[tuple[str, str]]:
    async with container.database.connect() as connection:
        rows = await connection.execute(select(outbound_messages.c.author, outbound_messages.c.text)
                                        .order_by(outbound_messages.c.id))
        return [(r.author, r.text) for r in rows]


async def test_notices_and_reminders_fall_on_working_moments_across_the_holiday(
        container: Container, clock: FixedClock) -> None:
    clock.at = local(2026, 9, 28, 10, 0).astimezone(UTC)  # Monday; the holiday starts on Thursday
    registration = await container.service.submit(complaint())
    # 7 working days: 29, 30 Sep, 8, 9, 10 (make-up Saturday), 12, 13 Oct.
    assert registration.answer_by == local(2026, 10, 13, 18, 0)
    monitor = container.sla_monitor
    # 80 % of the 71 working hours to the deadline is 56.8 h: Monday 12 October, 12:48.
    assert monitor.reminder_moment(clock.now(), registration.answer_by) == local(2026, 10, 12, 12, 48)

    assert (await monitor.run_once()).acknowledgements == 0  # a day to go
    clock.at = local(2026, 9, 29, 9, 30).astimezone(UTC)  # 23.5 h later, nobody has written
    first = await monitor.run_once()
    assert first.acknowledgements == 1 and first.progress_notices == 0
    assert (await monitor.run_once()).acknowledgements == 0  # once
    clock.at = local(2026, 9, 30, 9, 30).astimezone(UTC)
    assert (await monitor.run_once()).progress_notices == 1
    messages = await citizen_messages(container)
    assert [author for author, _ in messages] == ["system", "system"]
    assert "受理告知" in messages[0][1] and "2026-10-13 18:00" in messages[0][1]
    assert "办理进度告知" in messages[1][1]

    clock.at = local(2026, 10, 12, 12, 40).astimezone(UTC)
    assert (await monitor.run_once()).reminders == 0
    clock.at = local(2026, 10, 12, 12, 50).astimezone(UTC)
    assert (await monitor.run_once()).reminders == 1
    clock.at = local(2026, 10, 13, 18, 1).astimezone(UTC)
    assert (await monitor.run_once()).breaches == 1
    notices = await container.desk.notifications(("supervisor",))
    assert {(n["kind"], n["tracking_no"]) for n in notices} == {("sla_breach", registration.tracking_no),
                                                               ("sla_reminder", registration.tracking_no)}


async def test_no_automatic_acknowledgement_once_a_person_has_written(
        container: Container, clock: FixedClock) -> None:
    clock.at = local(2026, 9, 28, 10, 0).astimezone(UTC)
    registration = await container.service.submit(complaint())
    await container.desk.message_case(registration.tracking_no, "ann", "您好，您的投诉已受理，我们正在联系商家。")
    clock.at = local(2026, 9, 29, 9, 30).astimezone(UTC)
    assert (await container.sla_monitor.run_once()).acknowledgements == 0
