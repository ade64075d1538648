"""The case API over real HTTP semantics (ASGI transport), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from config.app import create_app
from config.wiring import Container, build_container
from intake_core.codes import new_tracking_no
from intake_core.storage.tables import cases, evidence
from tests.support import FixedClock, settings_for

PROBLEM = "application/problem+json"

FRAUD = {
    "kind": "report", "category": "fraud", "description": "冒充客服退款,骗走验证码",
    "target": "https://scam.example.cn/refund", "target_type": "url",
    "occurred_at": "2026-11-23T15:00:00+08:00", "anonymous": True,
}


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake.test") as http:
        yield http


async def case_count(container: Container) -> int:
    async with container.database.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(cases)) or 0)


async def test_file_and_follow_an_anonymous_case(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/v1/cases", json=FRAUD)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "registered" and len(body["receipt"]) == 16
    number = body["tracking_no"]
    refused = await client.get(f"/api/v1/cases/{number}")
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    followed = await client.get(f"/api/v1/cases/{number}", params={"receipt": body["receipt"]})
    assert followed.status_code == 200
    assert followed.json()["deadlines"]["answer_by"] == body["answer_by"]


async def test_identified_case_answers_to_its_tracking_number(client: httpx.AsyncClient) -> None:
    payload = {**FRAUD, "anonymous": False, "reporter": {"name": "李四", "phone": "13912345678"}}
    number = (await client.post("/api/v1/cases", json=payload)).json()["tracking_no"]
    followed = await client.get(f"/api/v1/cases/{number.lower().replace('-', ' ')}")
    assert followed.status_code == 200 and followed.json()["status"] == "registered"
    assert "13912345678" not in followed.text and "李四" not in followed.text


async def test_idempotency_key_returns_the_first_result(client: httpx.AsyncClient, container: Container) -> None:
    first = await client.post("/api/v1/cases", json=FRAUD, headers={"Idempotency-Key": "abc"})
    again = await client.post("/api/v1/cases", json=FRAUD, headers={"Idempotency-Key": "abc"})
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert await case_count(container) == 1


async def test_evidence_is_stored_with_its_hash(client: httpx.AsyncClient, container: Container) -> None:
    content = b"\x89PNG screenshot bytes"
    payload = {**FRAUD, "evidence": [{"name": "../../etc/截图.png", "media_type": "image/png",
                                      "content_base64": base64.b64encode(content).decode()}]}
    assert (await client.post("/api/v1/cases", json=payload)).status_code == 201
    async with container.database.connect() as connection:
        row = (await connection.execute(select(evidence))).one()
    assert row.sha256 == hashlib.sha256(content).hexdigest() and row.name == "截图.png"
    assert Path(row.stored_path).read_bytes() == content  # noqa: ASYNC240 - a test reading back one file


@pytest.mark.parametrize(("payload", "field"), [
    ({**FRAUD, "category": "no_such_thing"}, "category"),
    ({**FRAUD, "category": "service"}, "category"),  # a complaint type filed as a report
    ({k: v for k, v in FRAUD.items() if k != "target"}, "target"),
    ({k: v for k, v in FRAUD.items() if k != "occurred_at"}, "occurred_at"),
    ({**FRAUD, "description": "长" * 5001}, "description"),
    ({**FRAUD, "description": "   "}, "description"),
    ({k: v for k, v in FRAUD.items() if k != "kind"}, "kind"),
    ({**FRAUD, "target": "javascript:alert(1)"}, "target"),
    ({**FRAUD, "anonymous": True, "reporter": {"phone": "13812345678"}}, "identity"),
    ({**FRAUD, "evidence": [{"name": "a", "content_base64": "***"}]}, "evidence[0].content_base64"),
])
async def test_bad_submissions_name_the_field_and_write_nothing(
        client: httpx.AsyncClient, container: Container, payload: dict[str, object], field: str) -> None:
    response = await client.post("/api/v1/cases", json=payload)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == field
    assert "13812345678" not in response.text
    assert await case_count(container) == 0


async def test_invalid_json_is_a_problem(client: httpx.AsyncClient, container: Container) -> None:
    response = await client.post("/api/v1/cases", content=b'{"kind": "report",',
                                 headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["title"] == "invalid json"
    assert await case_count(container) == 0


async def test_oversized_body_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/cases", content=b"x" * 1_000_001,
                                 headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("number", ["TS-20261124-XXXXXX", "hello", "TS-2026"])
async def test_malformed_tracking_number(client: httpx.AsyncClient, number: str) -> None:
    response = await client.get(f"/api/v1/cases/{number}")
    assert response.status_code == 400 and response.json()["field"] == "tracking_no"


async def test_unknown_but_well_formed_tracking_number_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/api/v1/cases/{new_tracking_no(date(2026, 1, 5))}")
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM


async def test_operations_endpoints(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).status_code == 200
    await client.post("/api/v1/cases", json=FRAUD)
    metrics = await client.get("/metrics")
    assert 'intake_http_requests_total{method="POST",route="/api/v1/cases",status="201"}' in metrics.text
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/cases/{tracking_no}" in spec["paths"]


async def test_readyz_fails_when_the_database_is_gone(tmp_path: Path, clock: FixedClock) -> None:
    unreachable = build_container(settings_for(tmp_path, "postgresql+asyncpg://nobody@127.0.0.1:1/none"), clock)
    app = create_app(unreachable)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        ready = await http.get("/readyz")
        filed = await http.post("/api/v1/cases", json=FRAUD)
    assert ready.status_code == 503 and ready.headers["content-type"] == PROBLEM
    assert filed.status_code == 503 and filed.headers["Retry-After"]


async def test_a_flood_from_one_address_gets_429_and_stores_nothing_more(container: Container) -> None:
    container.settings.submit_rate_per_minute = 3
    app = create_app(container)
    flooding = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
    someone_else = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=flooding, base_url="http://intake.test") as flood, \
            httpx.AsyncClient(transport=someone_else, base_url="http://intake.test") as citizen:
        answers = [await flood.post("/api/v1/cases", json=FRAUD) for _ in range(5)]
        assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
        refused = answers[3]
        assert refused.headers["content-type"] == PROBLEM and 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.json()["type"] == "urn:intake:problem:rate_limited"
        assert (await citizen.post("/api/v1/cases", json=FRAUD)).status_code == 201
    assert await case_count(container) == 4
