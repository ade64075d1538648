"""Open311 GeoReport v2 plumbing: the client configuration, errors in GeoReport's format, dates."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from intake_core.errors import CaseNotFound, IntakeError, ReceiptLocked, ReceiptRejected, StorageUnavailable


@dataclass(frozen=True, slots=True)
class Open311Config:
    api_keys: tuple[str, ...] = ()  # none configured: filing and listing are closed
    jurisdiction_id: str | None = None
    agency_responsible: str | None = None


class GeoReportError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def geo_errors(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


def _status_of(error: IntakeError) -> int:
    if isinstance(error, CaseNotFound):
        return 404
    if isinstance(error, ReceiptRejected):
        return 403
    if isinstance(error, ReceiptLocked):
        return 429
    return 503 if isinstance(error, StorageUnavailable) else 400


class GeoReportRoute(APIRoute):
    """Answers failures in GeoReport's error format instead of the service-wide problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except GeoReportError as error:
                return geo_errors(error.status, error.description)
            except RequestValidationError as error:
                # Name the parameters, never echo their values.
                names = ", ".join(".".join(str(p) for p in e["loc"]) for e in error.errors())
                return geo_errors(400, f"invalid parameters: {names}")
            except IntakeError as error:
                return geo_errors(_status_of(error), error.detail)

        return guarded


def locale_of(locale: str | None) -> str:
    return "en" if locale == "en" else "zh"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_moment(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))  # a bare '+' in a query reads as space
    except ValueError:
        raise GeoReportError(400, f"{name} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise GeoReportError(400, f"{name} needs a time zone (Z or an offset)")
    return moment
