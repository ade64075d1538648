"""Public statistics match the cases created, suppress small cells and publish nothing personal."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from channels.stats_html import render_html
from channels.stats_render import render_csv, render_json
from config.wiring import Container
from intake_core.model import IntakeDraft, Kind, ReporterIdentity, TargetType
from intake_core.statistics import Cell, CountRow, PublicStatistics, StatsReport
from intake_core.storage.tables import cases, ratings
from tests.support import FixedClock

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
NAME, PHONE = "王小明", "13800138000"
DESCRIPTION = "独特描述XYZ：窗口人员推诿不办"
TARGET = "https://secret-target.example.cn/page"
COMMENT = "评论隐私ABC"


def service_complaint(channel: str, identified: bool = False) -> IntakeDraft:
    return IntakeDraft(kind=Kind.COMPLAINT, category="service", channel=channel, description=DESCRIPTION,
                       occurred_at=datetime(2026, 11, 20, tzinfo=UTC), anonymous=not identified,
                       identity=ReporterIdentity(name=NAME, phone=PHONE) if identified else ReporterIdentity())


def report(category: str, channel: str) -> IntakeDraft:
    return IntakeDraft(kind=Kind.REPORT, category=category, channel=channel, description=DESCRIPTION,
                       target=TARGET, target_type=TargetType.URL, occurred_at=datetime(2026, 11, 20, tzinfo=UTC),
                       anonymous=True)


async def seed(container: Container, clock: FixedClock) -> dict[str, list[str]]:
    """11 cases received in November (Beijing time), one just after it; answers, messages, ratings."""
    service = container.service
    web = [(await service.submit(service_complaint("web", identified=i == 0))).tracking_no for i in range(6)]
    email = [(await service.submit(report("fraud", "email"))).tracking_no for _ in range(4)]
    telegram = [(await service.submit(report("gambling", "telegram"))).tracking_no]
    received = clock.now()
    after = clock.at
    clock.at = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 1 December 01:00 in Beijing: outside November
    outside = [(await service.submit(service_complaint("web"))).tracking_no]
    clock.at = after
    async with container.database.engine.begin() as connection:
        for number in web[:3]:  # answered within ten hours: on time
            await connection.execute(update(cases).where(cases.c.tracking_no == number).values(
                answered_at=received + timedelta(hours=10), status="answered"))
        late = (await connection.execute(cases.select().where(cases.c.tracking_no == web[3]))).one()
        await connection.execute(update(cases).where(cases.c.tracking_no == web[3]).values(
            answered_at=late.answer_by + timedelta(days=1), status="answered"))
        for number, score in zip(web[:3] + email[:2], (5, 5, 5, 4, 1), strict=True):
            case_id = (await connection.execute(cases.select().where(cases.c.tracking_no == number))).one().id
            await connection.execute(ratings.insert().values(case_id=case_id, score=score, comment=COMMENT,
                                                             rated_at=received + timedelta(days=2)))
    clock.advance(hours=2)
    for number in web[:2] + email[:1]:  # the first message to the citizen: the acknowledgement
        await container.desk.message_case(number, "li", "已收到您的投诉，正在办理。")
    clock.advance(hours=1)
    await container.desk.message_case(web[0], "li", "later message: not the acknowledgement")
    return {"web": web, "email": email, "telegram": telegram, "outside": outside}


def rows(table: tuple[CountRow, ...]) -> dict[str, int | None]:
    return {row.key: row.count for row in table}


async def test_statistics_match_the_cases_created(container: Container, clock: FixedClock) -> None:
    await seed(container, clock)
    result = await PublicStatistics(container.database, clock, min_cell=3, timezone=SHANGHAI).report(*NOVEMBER)

    assert result.total == Cell(11)
    assert rows(result.by_kind) == {"complaint": 6, "report": 5}
    assert rows(result.by_status) == {"answered": 4, "registered": 7}
    assert result.timeliness.answered == Cell(4)
    assert result.timeliness.on_time_rate == Cell(0.75)
    assert result.timeliness.median_hours_to_answer == Cell(10.0)
    assert result.timeliness.acknowledged == Cell(3)
    assert result.timeliness.median_hours_to_acknowledgement == Cell(2.0)
    assert result.satisfaction.ratings == Cell(5)
    assert result.satisfaction.mean_score == Cell(4.0)


async def test_small_cells_are_suppressed_with_their_complement(container: Container, clock: FixedClock) -> None:
    await seed(container, clock)
    result = await PublicStatistics(container.database, clock, min_cell=3, timezone=SHANGHAI).report(*NOVEMBER)

    # telegram (1) is below k; email (4) goes too, or 11 - 6 would give telegram away.
    assert result.by_channel == (CountRow("email", None, True), CountRow("telegram", None, True),
                                 CountRow("web", 6))
    assert rows(result.by_category) == {"fraud": None, "gambling": None, "service": 6}
    # Scores 1 and 4 were given once each; zero stays zero, it singles no one out.
    assert result.satisfaction.distribution == (
        CountRow("1", None, True), CountRow("2", 0), CountRow("3", 0), CountRow("4", None, True), CountRow("5", 3))


async def test_rates_and_medians_from_fewer_than_k_cases_are_suppressed(container: Container,
                                                                        clock: FixedClock) -> None:
    await seed(container, clock)
    result = await PublicStatistics(container.database, clock, min_cell=5, timezone=SHANGHAI).report(*NOVEMBER)

    assert result.timeliness.answered == Cell(None, True)
    assert result.timeliness.on_time_rate == Cell(None, True)
    assert result.timeliness.median_hours_to_answer == Cell(None, True)
    assert result.timeliness.median_hours_to_acknowledgement == Cell(None, True)
    assert result.satisfaction.mean_score == Cell(4.0)  # five ratings: enough
    assert rows(result.by_kind) == {"complaint": 6, "report": 6 - 1}


async def test_an_empty_period_measures_nothing(container: Container, clock: FixedClock) -> None:
    result = await PublicStatistics(container.database, clock, min_cell=3).report(date(2026, 1, 1),
                                                                               date(2026, 1, 31))
    assert result.total == Cell(0) and result.by_channel == ()
    assert result.timeliness.on_time_rate == Cell(None) and result.satisfaction.mean_score == Cell(None)


async def test_the_period_follows_local_days(container: Container, clock: FixedClock) -> None:
    await seed(container, clock)
    december = await PublicStatistics(container.database, clock, min_cell=1, timezone=SHANGHAI).report(
        date(2026, 12, 1), date(2026, 12, 1))
    assert december.total == Cell(1) and rows(december.by_channel) == {"web": 1}


async def test_no_personal_data_in_any_format(container: Container, clock: FixedClock) -> None:
    numbers = await seed(container, clock)
    result: StatsReport = await PublicStatistics(container.database, clock, min_cell=1,
                                                 timezone=SHANGHAI).report(*NOVEMBER)
    taxonomy = container.service.taxonomy
    outputs = [render_json(result, taxonomy), render_csv(result, taxonomy), render_csv(result, taxonomy, "en"),
               render_html(result, taxonomy), render_html(result, taxonomy, "en")]
    secrets = [NAME, PHONE, DESCRIPTION, "独特描述", TARGET, "secret-target", COMMENT, "已收到您的投诉",
               *[number for group in numbers.values() for number in group]]
    for output in outputs:
        for secret in secrets:
            assert secret not in output
    published = json.loads(outputs[0])
    assert published["total"] == {"value": 11, "suppressed": False}
    assert {row["key"]: row["name_zh"] for row in published["by_category"]}["service"] == \
        taxonomy.get("service").name_zh
