"""Open311 GeoReport v2 subset over HTTP: field names, filing with an api_key, following, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from channels import open311
from config.app import create_app
from config.wiring import Container
from intake_core.model import IntakeDraft, Kind
from intake_core.storage.tables import cases

KEY = "client-key-1"
BASE = "/open311/v2"
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime"}
FRAUD = {"api_key": KEY, "service_code": "fraud", "description": "冒充客服退款，骗走验证码",
         "attribute[target]": "https://scam.example.cn/refund",
         "attribute[occurred_at]": "2026-11-23T15:00:00+08:00"}
IDENTIFIED = {**FRAUD, "first_name": "小明", "last_name": "王", "phone": "13800138000", "email": "wang@example.cn"}


@pytest.fixture
async def client(sqlite_container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(sqlite_container)
    app.state.open311 = open311.Open311Config(api_keys=("other-key", KEY), jurisdiction_id="intake.example.cn",
                                              agency_responsible="投诉举报受理中心")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake.test") as http:
        yield http


def is_geo_error(response: httpx.Response, status: int) -> bool:
    body = response.json()
    return (response.status_code == status and isinstance(body, list)
            and body[0]["code"] == status and bool(body[0]["description"]))


async def file(client: httpx.AsyncClient, fields: dict[str, str], **options: Any) -> dict[str, Any]:
    response = await client.post(f"{BASE}/requests.json", data=fields, **options)
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    assert len(body) == 1 and set(body[0]) == {"service_request_id", "service_notice", "token", "account_id"}
    return body[0]


async def test_services_are_our_categories(client: httpx.AsyncClient, sqlite_container: Container) -> None:
    services = (await client.get(f"{BASE}/services.json")).json()
    taxonomy = sqlite_container.service.taxonomy
    assert [s["service_code"] for s in services] == [c.code for c in taxonomy.all()]
    fraud = next(s for s in services if s["service_code"] == "fraud")
    assert set(fraud) == SERVICE_FIELDS and fraud["type"] == "realtime" and fraud["metadata"] is True
    assert fraud["service_name"] == taxonomy.get("fraud").name_zh and fraud["group"] == "举报"
    english = (await client.get(f"{BASE}/services.json", params={"locale": "en"})).json()
    assert next(s for s in english if s["service_code"] == "fraud")["service_name"] == taxonomy.get("fraud").name_en
    credit = next(s for s in services if s["service_code"] == "credit_reporting")
    assert credit["metadata"] is False and credit["group"] == "投诉"


async def test_service_definition_lists_the_fields_a_category_needs(client: httpx.AsyncClient) -> None:
    definition = (await client.get(f"{BASE}/services/fraud.json")).json()
    assert definition["service_code"] == "fraud"
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert attributes["target"]["required"] and attributes["occurred_at"]["datatype"] == "datetime"
    assert {"variable", "code", "datatype", "required", "datatype_description", "order", "description"} <= \
        set(attributes["target"])
    assert is_geo_error(await client.get(f"{BASE}/services/nope.json"), 404)


async def test_filing_needs_a_valid_api_key(client: httpx.AsyncClient, sqlite_container: Container) -> None:
    assert is_geo_error(await client.post(f"{BASE}/requests.json", data={**FRAUD, "api_key": ""}), 403)
    assert is_geo_error(await client.post(f"{BASE}/requests.json", data={**FRAUD, "api_key": "client-key-2"}), 403)
    assert is_geo_error(await client.post(f"{BASE}/requests.json", json={k: v for k, v in FRAUD.items()
                                                                          if k != "api_key"}), 403)
    async with sqlite_container.database.connect() as connection:
        assert (await connection.execute(select(cases.c.id))).first() is None


async def test_anonymous_filing_shows_the_receipt_once_and_follows_with_it(client: httpx.AsyncClient,
                                                                           sqlite_container: Container) -> None:
    filed = await file(client, FRAUD)
    number = filed["service_request_id"]
    assert filed["token"] is None and filed["account_id"] is None and number in filed["service_notice"]
    async with sqlite_container.database.connect() as connection:
        row = (await connection.execute(select(cases).where(cases.c.tracking_no == number))).one()
    assert row.channel == "open311" and row.anonymous and row.identity_sealed is None
    receipt = filed["service_notice"].split("：")[-1].rstrip("。")
    assert len(receipt) == 16 and receipt.isdigit()

    assert is_geo_error(await client.get(f"{BASE}/requests/{number}.json"), 403)
    assert is_geo_error(await client.get(f"{BASE}/requests/{number}.json", params={"receipt": "1" * 16}), 403)
    followed = await client.get(f"{BASE}/requests/{number}.json", params={"receipt": receipt})
    assert followed.status_code == 200 and followed.json()[0]["service_request_id"] == number
    # Anonymous cases never appear in lists.
    assert (await client.get(f"{BASE}/requests.json", params={"service_request_id": number})).json() == []
    assert (await client.get(f"{BASE}/requests.json", params={"api_key": KEY})).json() == []


async def test_identified_filing_from_json_is_sealed_and_followed_without_personal_data(
        client: httpx.AsyncClient, sqlite_container: Container) -> None:
    body: dict[str, Any] = {k: v for k, v in IDENTIFIED.items() if not k.startswith("attribute")}
    body["attribute"] = {"target": FRAUD["attribute[target]"], "occurred_at": FRAUD["attribute[occurred_at]"]}
    response = await client.post(f"{BASE}/requests.json", json=body)
    assert response.status_code == 200, response.text
    number = response.json()[0]["service_request_id"]
    assert "回执码" not in response.json()[0]["service_notice"]
    async with sqlite_container.database.connect() as connection:
        row = (await connection.execute(select(cases).where(cases.c.tracking_no == number))).one()
    assert not row.anonymous and row.identity_sealed is not None and row.target == FRAUD["attribute[target]"]

    followed = await client.get(f"{BASE}/requests/{number}.json")
    view = followed.json()[0]
    assert set(view) == REQUEST_FIELDS
    assert view["status"] == "open" and view["status_notes"] is None and view["service_code"] == "fraud"
    assert view["agency_responsible"] == "投诉举报受理中心"
    assert view["requested_datetime"] == "2026-11-24T02:00:00Z"
    assert view["expected_datetime"] == row.answer_by.astimezone(UTC).isoformat().replace("+00:00", "Z")
    for secret in ("13800138000", "wang@example.cn", "小明", "验证码", "scam.example.cn"):
        assert secret not in followed.text


async def test_listing_needs_a_key_and_filters(client: httpx.AsyncClient, sqlite_container: Container) -> None:
    first = (await file(client, IDENTIFIED))["service_request_id"]
    referred = (await file(client, {**IDENTIFIED, "service_code": "credit_reporting",
                                    "description": "征信记录有误"}))["service_request_id"]
    other_channel = (await sqlite_container.service.submit(IntakeDraft(
        kind=Kind.COMPLAINT, category="credit_reporting", description="征信问题", channel="api"))).tracking_no

    assert is_geo_error(await client.get(f"{BASE}/requests.json"), 403)
    listed = (await client.get(f"{BASE}/requests.json", params={"api_key": KEY})).json()
    assert {r["service_request_id"] for r in listed} == {first, referred}  # Open311 filings only
    only_fraud = (await client.get(f"{BASE}/requests.json", params={"api_key": KEY, "service_code": "fraud"})).json()
    assert [r["service_request_id"] for r in only_fraud] == [first]
    closed = await client.get(f"{BASE}/requests.json", params={"api_key": KEY, "status": "closed"})
    assert closed.json() == []
    window = {"api_key": KEY, "start_date": "2026-12-01T00:00:00+08:00", "end_date": "2026-12-31T00:00:00Z"}
    assert (await client.get(f"{BASE}/requests.json", params=window)).json() == []

    by_id = (await client.get(f"{BASE}/requests.json",
                              params={"service_request_id": f"{first},{referred},{other_channel}"})).json()
    assert {r["service_request_id"] for r in by_id} == {first, referred, other_channel}
    out_of_scope = next(r for r in by_id if r["service_request_id"] == referred)
    assert out_of_scope["status_notes"] == "referred" and out_of_scope["agency_responsible"]
    assert out_of_scope["agency_responsible"] != "投诉举报受理中心"


async def test_idempotency_key_files_once(client: httpx.AsyncClient, sqlite_container: Container) -> None:
    first = await file(client, IDENTIFIED, headers={"Idempotency-Key": "k-1"})
    again = await file(client, IDENTIFIED, headers={"Idempotency-Key": "k-1"})
    other_client = await file(client, {**IDENTIFIED, "api_key": "other-key"}, headers={"Idempotency-Key": "k-1"})
    assert again == first and other_client["service_request_id"] != first["service_request_id"]
    async with sqlite_container.database.connect() as connection:
        assert len((await connection.execute(select(cases.c.id))).all()) == 2


async def test_errors_are_georeport_lists(client: httpx.AsyncClient) -> None:
    assert is_geo_error(await client.post(f"{BASE}/requests.json", data={**FRAUD, "description": ""}), 400)
    assert is_geo_error(await client.post(f"{BASE}/requests.json", data={**FRAUD, "service_code": "x"}), 400)
    missing_target = {k: v for k, v in FRAUD.items() if k != "attribute[target]"}
    assert is_geo_error(await client.post(f"{BASE}/requests.json", data=missing_target), 400)
    naive = {**FRAUD, "attribute[occurred_at]": "2026-11-23T15:00:00"}
    assert is_geo_error(await client.post(f"{BASE}/requests.json", data=naive), 400)
    assert is_geo_error(await client.post(f"{BASE}/requests.json", content=b"{", headers={
        "content-type": "application/json"}), 400)
    assert is_geo_error(await client.get(f"{BASE}/requests/TS-20261124-AAAAAA.json"), 404)
    assert is_geo_error(await client.get(f"{BASE}/requests.json", params={"api_key": KEY, "status": "maybe"}), 400)
    assert is_geo_error(await client.get(f"{BASE}/requests.json", params={"api_key": KEY,
                                                                          "start_date": "yesterday"}), 400)
    assert is_geo_error(await client.get(f"{BASE}/services.json", params={"jurisdiction_id": "elsewhere"}), 404)
    ok = await client.get(f"{BASE}/services.json", params={"jurisdiction_id": "intake.example.cn"})
    assert ok.status_code == 200


def test_timestamps_are_utc_with_z() -> None:
    assert open311.iso(datetime(2026, 11, 24, 10, 0, tzinfo=UTC)) == "2026-11-24T10:00:00Z"
