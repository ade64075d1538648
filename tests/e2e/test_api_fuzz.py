"""Schemathesis against the app's own `/openapi.json`: no generated request may get a 5xx, and every
answer must be one the schema documents (status code, content type, JSON shape).

The app runs in one event loop for the whole module: a Starlette test client keeps one portal open,
and a small ASGI wrapper builds the container inside that loop (the app's own lifespan, which binds
the SMTP port and starts the background workers, is not needed for request handling).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, response_schema_conformance
from schemathesis.specs.openapi.schemas import BaseOpenAPISchema
from starlette_testclient import TestClient

from config.app import create_app
from config.wiring import Container
from tests.support import FixedClock, migrated_container, settings_for

BASE_URL = "http://intake.test"
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def no_server_error(response: Any, case: Any) -> None:
    if response.status_code >= 500:
        raise AssertionError(f"{response.status_code} for {case.method} {response.request.url}: {response.text}")


def documented_status(response: Any, case: Any) -> None:
    documented = {str(code) for code in case.operation.definition.raw.get("responses", {})}
    status = response.status_code
    if str(status) in documented or "default" in documented:
        return
    raise AssertionError(f"undocumented {status} for {case.method} {response.request.url} "
                         f"(documented: {sorted(documented)}): {response.text[:300]}")


def error_shape(response: Any, case: Any) -> None:
    """Errors are RFC 9457 problems, except under /open311/, which answers in GeoReport's own format."""
    if response.status_code < 400:
        return
    body = json.loads(response.text)
    if case.path.startswith("/open311/"):
        assert isinstance(body, list) and body and body[0]["code"] == response.status_code, response.text
        assert isinstance(body[0]["description"], str) and body[0]["description"]
        return
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    assert body["status"] == response.status_code and body["title"] and body["detail"], response.text
    assert "Traceback" not in response.text


def schema_applies(response: Any, case: Any) -> bool:
    """Schemathesis 3 validates a body against the first media type with a schema, whatever the
    response's own type: only check bodies of that type (/stats documents text/html first)."""
    answers = case.operation.definition.raw.get("responses", {}).get(str(response.status_code), {})
    typed = [media for media, spec in answers.get("content", {}).items() if "schema" in spec]
    return not typed or response.headers.get("content-type", "").startswith(typed[0])


def check(response: Any, case: Any, *, conformance: bool) -> None:
    no_server_error(response, case)
    error_shape(response, case)
    if conformance:
        documented_status(response, case)
        checks = (content_type_conformance, response_schema_conformance) if schema_applies(response, case) \
            else (content_type_conformance,)
        case.validate_response(response, checks=checks)


class AppWithContainer:
    """ASGI app whose lifespan builds a migrated SQLite container and the real app on top of it."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.container: Container | None = None
        self.app: Any = None
        self.token = ""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        await receive()  # lifespan.startup
        # Without per-client limits: every generated request reaches the handlers it is meant to test.
        settings = settings_for(self.var_dir, submit_rate_per_minute=0, chat_rate_per_minute=0)
        self.container = await migrated_container(settings, FixedClock())
        self.token = await self.container.staff_tokens.issue("fuzzer", {"agent", "supervisor"})
        self.app = create_app(self.container)
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await self.container.close()
        await send({"type": "lifespan.shutdown.complete"})


@pytest.fixture(scope="module")
def wrapped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, AppWithContainer]]:
    app = AppWithContainer(tmp_path_factory.mktemp("api-fuzz") / "var")
    # raise_server_exceptions=False: a crash becomes the 500 a client would see, reported with its request.
    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
        yield client, app


@pytest.fixture(scope="module")
def http(wrapped: tuple[TestClient, AppWithContainer]) -> TestClient:
    return wrapped[0]


@pytest.fixture(scope="module")
def staff_headers(wrapped: tuple[TestClient, AppWithContainer]) -> dict[str, str]:
    return {"Authorization": f"Bearer {wrapped[1].token}"}


@pytest.fixture(scope="module")
def api_schema(http: TestClient) -> BaseOpenAPISchema:
    response = http.get("/openapi.json")
    assert response.status_code == 200
    schemathesis.experimental.OPEN_API_3_1.enable()  # FastAPI publishes OpenAPI 3.1
    return schemathesis.from_dict(response.json(), base_url=BASE_URL)


schema = schemathesis.from_pytest_fixture("api_schema")


def _breakable(ctx: Any) -> bool:
    """Negative data needs something to break, and schemathesis 3 cannot break a free-form path string
    (hypothesis reports Unsatisfiable for the whole operation)."""
    raw = ctx.operation.definition.raw
    parameters = raw.get("parameters", [])
    free_path = any(p["in"] == "path" and p.get("schema", {}).get("type") == "string" for p in parameters)
    return not free_path and bool(parameters or "requestBody" in raw)


with_inputs = schema.include(_breakable)
NEGATIVE = settings(FUZZ, max_examples=15)


@pytest.fixture(autouse=True)
def quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL)  # the known crashes log their tracebacks


@schema.parametrize()
@FUZZ
def test_valid_requests_get_documented_answers(case: Any, http: TestClient, staff_headers: dict[str, str]) -> None:
    # A valid staff token, so the agent endpoints are exercised past authentication.
    check(case.call(session=http, base_url=BASE_URL, headers=staff_headers), case, conformance=True)


@with_inputs.parametrize(data_generation_methods=[schemathesis.DataGenerationMethod.negative])
@NEGATIVE
def test_invalid_requests_get_client_errors(case: Any, http: TestClient, staff_headers: dict[str, str]) -> None:
    check(case.call(session=http, base_url=BASE_URL, headers=staff_headers), case, conformance=False)


@schema.parametrize()
@FUZZ
def test_anonymous_requests_never_get_a_server_error(case: Any, http: TestClient) -> None:
    check(case.call(session=http, base_url=BASE_URL), case, conformance=False)


# --- crashes found by fuzzing, kept as regressions; then the known schema gaps ---------------

@pytest.mark.parametrize(("method", "url"), [
    ("GET", "/api/v1/agent/items/9223372036854775808"),
    ("GET", "/api/v1/agent/items/-24126672360828956672/transcript"),
    ("POST", "/api/v1/agent/items/-4095835896347520512557056/claim"),
    ("POST", "/api/v1/agent/items/149022054840506368839909376/hand-back"),
    ("POST", "/api/v1/agent/notifications/28491548411066709107921649664/read"),
    ("GET", "/api/v1/web/messages?conversation_id=LFbpzpNHJWKak&after=1522722110052902633472"),
])
def test_huge_ids_are_client_errors(http: TestClient, staff_headers: dict[str, str], method: str, url: str) -> None:
    assert http.request(method, url, headers=staff_headers).status_code < 500


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=0001-01-05", "to=9999-12-31", "from=0001-01-01&format=json"])
def test_stats_at_the_ends_of_the_calendar_are_client_errors(http: TestClient, query: str) -> None:
    assert http.get(f"/stats?{query}").status_code < 500


def test_validation_errors_answer_as_documented(http: TestClient, api_schema: BaseOpenAPISchema,
                                                staff_headers: dict[str, str]) -> None:
    response = http.get("/api/v1/agent/queue", params={"kind": "nonsense"}, headers=staff_headers)
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    responses = api_schema.raw_schema["paths"]["/api/v1/agent/queue"]["get"]["responses"]
    assert "400" in responses and "422" not in responses


def test_error_answers_are_documented(api_schema: BaseOpenAPISchema) -> None:
    responses = api_schema.raw_schema["paths"]["/api/v1/cases/{tracking_no}"]["get"]["responses"]
    assert {"400", "403", "404", "429", "503"} <= set(responses)
