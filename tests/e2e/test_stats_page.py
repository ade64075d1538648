"""GET /stats over HTTP: the standalone page in zh and en, JSON and CSV, period checks."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from config.app import create_app
from config.wiring import Container
from intake_core.model import IntakeDraft, Kind, ReporterIdentity
from intake_core.statistics import PublicStatistics
from tests.support import FixedClock

NAME, PHONE, DESCRIPTION = "赵六", "13700001111", "办事大厅排队三小时无人处理"


@pytest.fixture
async def client(sqlite_container: Container, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    for index in range(3):
        await sqlite_container.service.submit(IntakeDraft(
            kind=Kind.COMPLAINT, category="service", channel="web", description=DESCRIPTION,
            occurred_at=datetime(2026, 11, 20, tzinfo=UTC), anonymous=index > 0,
            identity=ReporterIdentity(name=NAME, phone=PHONE) if index == 0 else ReporterIdentity()))
    await sqlite_container.service.submit(IntakeDraft(
        kind=Kind.COMPLAINT, category="service", channel="email", description=DESCRIPTION,
        occurred_at=datetime(2026, 11, 20, tzinfo=UTC), anonymous=True))
    app = create_app(sqlite_container)
    app.state.statistics = PublicStatistics(sqlite_container.database, clock, min_cell=2,
                                            timezone=sqlite_container.sla.calendar.timezone)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake.test") as http:
        yield http


async def test_the_page_is_standalone_html_in_chinese(client: httpx.AsyncClient,
                                                      sqlite_container: Container) -> None:
    page = await client.get("/stats")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html and "按渠道" in html and "<svg" in html
    assert sqlite_container.service.taxonomy.get("service").name_zh in html
    assert "<script" not in html and "src=" not in html and "stylesheet" not in html
    assert "2026-10-26 – 2026-11-24" in html  # the last 30 days by default
    assert "&lt;2" in html  # email (1) suppressed, and web (3) with it: the total would reveal email
    for secret in (NAME, PHONE, DESCRIPTION):
        assert secret not in html


async def test_the_page_in_english(client: httpx.AsyncClient, sqlite_container: Container) -> None:
    page = await client.get("/stats", params={"lang": "en", "from": "2026-11-01", "to": "2026-11-30"})
    assert '<html lang="en">' in page.text and "By channel" in page.text
    assert sqlite_container.service.taxonomy.get("service").name_en in page.text
    assert 'href="?from=2026-11-01&amp;to=2026-11-30"' in page.text  # back to Chinese, same period


async def test_json_and_csv(client: httpx.AsyncClient) -> None:
    body = (await client.get("/stats", params={"format": "json", "from": "2026-11-01", "to": "2026-11-30"})).json()
    assert body["total"] == {"value": 4, "suppressed": False} and body["min_cell"] == 2
    assert body["period"] == {"from": "2026-11-01", "to": "2026-11-30", "timezone": "Asia/Shanghai"}
    assert body["by_kind"] == [{"key": "complaint", "count": 4, "suppressed": False}]
    assert {row["key"]: row["suppressed"] for row in body["by_channel"]} == {"email": True, "web": True}

    response = await client.get("/stats", params={"format": "csv", "lang": "en"})
    assert response.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.text)))
    channel = lines.index(["By channel"])
    assert lines[channel + 1] == ["code", "Item", "Cases"]
    assert ["email", "Email", "<2"] in lines and ["complaint", "Complaints", "4"] in lines


async def test_invalid_periods_are_refused(client: httpx.AsyncClient) -> None:
    backwards = await client.get("/stats", params={"from": "2026-11-30", "to": "2026-11-01"})
    assert backwards.status_code == 400 and backwards.headers["content-type"] == "application/problem+json"
    assert (await client.get("/stats", params={"from": "30.11.2026"})).status_code == 400
    assert (await client.get("/stats", params={"format": "pdf"})).status_code == 400
