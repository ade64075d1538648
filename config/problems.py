"""RFC 9457 problem details for every error the HTTP surface returns."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from intake_core.errors import (
    CaseNotFound,
    IntakeError,
    LoginLocked,
    RateLimited,
    ReceiptLocked,
    ReceiptRejected,
    ReviewerConflict,
    ReviewNotAllowed,
    StorageUnavailable,
    TransitionNotAllowed,
    WorkItemNotFound,
    WorkItemUnavailable,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
STATUS_OF: dict[type[IntakeError], int] = {
    CaseNotFound: 404,
    ReceiptRejected: 403,
    ReceiptLocked: 429,
    LoginLocked: 429,
    RateLimited: 429,
    TransitionNotAllowed: 409,
    StorageUnavailable: 503,
    WorkItemNotFound: 404,
    WorkItemUnavailable: 409,
    ReviewNotAllowed: 409,
    ReviewerConflict: 409,
}


def problem(status: int, title: str, detail: str, type_: str = "about:blank", **extra: Any) -> JSONResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    headers = {"Retry-After": "5"} if status == 503 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _status_of(error: IntakeError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return 400


async def _intake_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, IntakeError)
    status = _status_of(error)
    log.info("request refused", extra={"path": request.url.path, "status": status, "problem": error.code})
    extra = {"field": error.field} if error.field else {}
    response = problem(status, error.code.replace("_", " "), error.detail, f"urn:intake:problem:{error.code}",
                       **extra)
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(max(1, math.ceil(error.retry_after)))
    return response


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = error.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem(400, "invalid json", "the request body is not valid JSON", "urn:intake:problem:invalid_json")
    # Name the fields, never echo the submitted values (they may hold personal data).
    fields = [{"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]} for e in errors]
    first = fields[0]["field"] if fields else None
    return problem(400, "validation failed", "; ".join(f"{f['field']}: {f['message']}" for f in fields),
                   "urn:intake:problem:validation_failed", field=first, errors=fields)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return problem(error.status_code, str(error.detail).lower(), str(error.detail))


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", extra={"path": request.url.path})
    return problem(500, "internal error", "the request could not be completed")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(IntakeError, _intake_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
