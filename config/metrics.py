"""Prometheus metrics of the HTTP surface."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

access_log = logging.getLogger("intake.access")

REQUESTS = Counter("intake_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("intake_http_request_seconds", "HTTP request latency", ["method", "route"])


async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    route = getattr(request.scope.get("route"), "path", "unmatched")  # templates, so ids don't explode labels
    LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    # The access log names the route template only: paths and query strings carry receipts and ids.
    access_log.info("request", extra={"method": request.method, "route": route, "status": response.status_code,
                                      "ms": round((time.perf_counter() - started) * 1000, 1)})
    return response


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
