"""The OpenAPI description says what the service answers: errors are problem+json (RFC 9457) with 400
for invalid requests (not FastAPI's default 422), plus the errors each group of routes gives on purpose."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
GEOREPORT_ERRORS = {"schema": {"type": "array", "items": {
    "type": "object", "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}}
PROBLEM_SCHEMA = {
    "type": "object", "required": ["type", "title", "status"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"}, "field": {"type": "string", "nullable": True}},
}
WHY = {400: "Invalid request", 401: "Missing or wrong credentials", 403: "Not allowed", 404: "Not found",
       409: "Conflicts with the current state", 413: "Request too large", 429: "Too many attempts",
       503: "Storage unavailable; retry later"}
# Errors routes give on purpose, by path prefix (the longest matching prefix wins).
BY_PREFIX: dict[str, tuple[int, ...]] = {
    "/api/v1/cases": (429,),  # per-client submission limit
    "/api/v1/cases/": (403, 404, 429),
    "/api/v1/web/messages": (429,),
    "/api/v1/agent/": (401, 404, 409),
    "/webhooks/telegram": (401, 404),
    "/webhooks/twilio/": (403, 404),
    "/open311/": (403, 404),
}
EVERYWHERE = (413, 503)
QUIET = ("/healthz", "/readyz", "/metrics")


def document_problems(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
            for path, item in schema.get("paths", {}).items():
                for operation in item.values():
                    _document(path, operation)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document(path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    validated = responses.pop("422", None) is not None or operation.get("requestBody") or operation.get("parameters")
    codes: set[int] = set() if path.startswith(QUIET) else set(EVERYWHERE)
    if validated:
        codes.add(400)
    prefix = max((p for p in BY_PREFIX if path.startswith(p)), key=len, default=None)
    if prefix is not None:
        codes.update(BY_PREFIX[prefix])
    # Open311 answers its own errors as GeoReport lists; the body limit and outages stay problem+json.
    content = {**PROBLEM, "application/json": GEOREPORT_ERRORS} if path.startswith("/open311/") else PROBLEM
    for code in sorted(codes):
        responses.setdefault(str(code), {"description": WHY[code], "content": content})
