"""Prometheus metrics of the HTTP surface."""

from __future__ import annotations

import logging
import time

from fastapi import Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.problems import problem

access_log = logging.getLogger("intake.access")

REQUESTS = Counter("intake_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("intake_http_request_seconds", "HTTP request latency", ["method", "route"])


class HttpSurface:
    """Pure ASGI middleware around every HTTP request: bodies over `max_bytes` (by Content-Length) get 413
    before the app reads them; every answer is counted, timed and access-logged. (Starlette's
    BaseHTTPMiddleware would do the same at several times the cost per request.)"""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            refusal = problem(413, "request too large", f"request bodies are limited to {self.max_bytes} bytes")
            await refusal(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless the app starts an answer

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            _record(scope, status, time.perf_counter() - started)


def _record(scope: Scope, status: int, seconds: float) -> None:
    method = str(scope.get("method", ""))
    route = getattr(scope.get("route"), "path", "unmatched")  # templates, so ids don't explode labels
    LATENCY.labels(method, route).observe(seconds)
    REQUESTS.labels(method, route, str(status)).inc()
    # The access log names the route template only: paths and query strings carry receipts and ids.
    access_log.info("request", extra={"method": method, "route": route, "status": status,
                                      "ms": round(seconds * 1000, 1)})


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
